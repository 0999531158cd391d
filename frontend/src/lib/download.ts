import { useEffect, useState } from 'preact/hooks';

/**
 * A file's contents as a blob: URL for an <a download> (which the CSP does not
 * restrict), revoked when no longer shown or when the contents change; null
 * while there are no contents.
 */
export function useFileUrl(contents: string | null, type = 'text/plain;charset=utf-8'): string | null {
  const [url, setUrl] = useState<string | null>(null);
  useEffect(() => {
    if (contents === null) {
      setUrl(null);
      return;
    }
    const made = URL.createObjectURL(new Blob([contents], { type }));
    setUrl(made);
    return () => URL.revokeObjectURL(made);
  }, [contents, type]);
  return url;
}
