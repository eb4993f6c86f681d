import { loadTracingSettings } from '../config/config.ts';

/**
 * What each built app runs first, before its own modules are imported: starts tracing when
 * `OTEL_EXPORTER_OTLP_ENDPOINT` is set, and loads nothing of OpenTelemetry's SDK when it is not.
 * @public imported by the first module the build generates for each app (build.ts).
 */
export const startTracingFromEnvironment = async (app: string): Promise<void> => {
  const settings = loadTracingSettings();
  if (!settings.OTEL_EXPORTER_OTLP_ENDPOINT) return;
  const { startTracing } = await import('./sdk.ts');
  await startTracing({ serviceName: settings.OTEL_SERVICE_NAME ?? `stayhub-${app}`, endpoint: settings.OTEL_EXPORTER_OTLP_ENDPOINT });
};
