import { useEffect, useState } from 'react';

/** What the web server tells the app at run time (from the platform's configuration). */
export type AppConfig = { mapTilesUrl: string | null; hostResponseHours: number };
const fallback: AppConfig = { mapTilesUrl: null, hostResponseHours: 24 };

let loaded: Promise<AppConfig> | undefined;
const loadAppConfig = (): Promise<AppConfig> =>
  (loaded ??= fetch('/api/config')
    .then((response) => (response.ok ? (response.json() as Promise<AppConfig>) : fallback))
    .catch(() => fallback));

export const useAppConfig = (): AppConfig => {
  const [config, setConfig] = useState(fallback);
  useEffect(() => {
    void loadAppConfig().then(setConfig);
  }, []);
  return config;
};
