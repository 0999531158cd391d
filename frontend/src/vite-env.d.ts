/// <reference types="vite/client" />

interface ImportMetaEnv {
  /** The API's origin when it is not the app's own (e.g. `http://127.0.0.1:8080`); empty for same origin. */
  readonly VITE_API_BASE?: string;
}

interface ImportMeta {
  readonly env: ImportMetaEnv;
}
