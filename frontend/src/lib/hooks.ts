import { useCallback, useEffect, useRef, useState } from 'preact/hooks';

import { currentLocation, onLocationChange, parseRoute, type Route } from './router';
import { noErrors, toFormErrors, type FormErrors } from '../api/problem';

/** The current route; re-renders on navigation and on back/forward. */
export function useRoute(): Route {
  const read = () => {
    const { pathname, search } = currentLocation();
    return parseRoute(pathname, search);
  };
  const [route, setRoute] = useState<Route>(read);
  useEffect(() => onLocationChange(() => setRoute(read())), []);
  return route;
}

/** A store's value (the session state, a step-up note), kept in step with the store. */
export function useStore<T>(store: { get(): T; subscribe(listener: (value: T) => void): () => void }): T {
  const [value, setValue] = useState(() => store.get());
  useEffect(() => {
    setValue(store.get());
    return store.subscribe(setValue);
  }, [store]);
  return value;
}

export type Resource<T> =
  | { state: 'loading'; data: T | null; error: null }
  | { state: 'ready'; data: T; error: null }
  | { state: 'failed'; data: T | null; error: unknown };

/**
 * Loads data with `load` whenever `key` changes or `reload()` is called. Answers
 * that arrive after the key changed are dropped, so a slow page never overwrites
 * a newer one. While reloading the same key, the previous data stays visible;
 * with `keep`, also while a new key loads (a search being typed, where a blank
 * list between keystrokes would flicker).
 */
export function useResource<T>(
  key: string,
  load: () => Promise<T>,
  keep = false,
): Resource<T> & { reload: () => void } {
  const loadRef = useRef(load);
  loadRef.current = load;
  const keepRef = useRef(keep);
  keepRef.current = keep;
  const [version, setVersion] = useState(0);
  const [resource, setResource] = useState<Resource<T>>({ state: 'loading', data: null, error: null });
  const loadedKey = useRef(key);

  useEffect(() => {
    let current = true;
    const keepData = keepRef.current || loadedKey.current === key;
    loadedKey.current = key;
    setResource((previous) => ({ state: 'loading', data: keepData ? previous.data : null, error: null }));
    loadRef.current().then(
      (data) => {
        if (current) setResource({ state: 'ready', data, error: null });
      },
      (error: unknown) => {
        if (current) setResource((previous) => ({ state: 'failed', data: previous.data, error }));
      },
    );
    return () => {
      current = false;
    };
  }, [key, version]);

  const reload = useCallback(() => setVersion((v) => v + 1), []);
  return { ...resource, reload };
}

/** Sets the tab's title while a page is shown. */
export function useTitle(title: string): void {
  useEffect(() => {
    document.title = title ? `${title} · Documents` : 'Documents';
  }, [title]);
}

/**
 * A form's submission: `handle(run)` makes an onSubmit handler that prevents the
 * browser's own submission, marks the form busy, clears the previous errors, runs
 * `run`, and on failure puts each problem message under the field it names (among
 * `fields`) and the rest above the form; `explain`, when given, sorts the errors
 * instead (a page that words some problems itself).
 */
export function useFormSubmit(fields: readonly string[], explain?: (error: unknown) => FormErrors) {
  const [errors, setErrors] = useState<FormErrors>(noErrors);
  const [busy, setBusy] = useState(false);
  const handle = (run: () => Promise<void>) => async (event: Event) => {
    event.preventDefault();
    setBusy(true);
    setErrors(noErrors);
    try {
      await run();
    } catch (error) {
      setErrors(explain ? explain(error) : toFormErrors(error, fields));
    } finally {
      setBusy(false);
    }
  };
  return { errors, setErrors, busy, setBusy, handle };
}
