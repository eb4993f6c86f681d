import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { createLogger, loadConfig, projectRoot } from '@stayhub/platform-kit';
import { onStopSignal } from '@stayhub/http-kit';
import { attachChatSocket, createWebServer } from './app.ts';

const config = loadConfig();
const log = createLogger('web', config.LOG_LEVEL);
const distDir = join(projectRoot, 'web/dist');
if (!existsSync(join(distDir, 'index.html'))) log.warn('web/dist is missing: run `npm run build -w web` (npm start builds it)');

const local = (port: number) => `http://127.0.0.1:${port}`;
const chatUrl = config.CHAT_URL ?? local(config.CHAT_PORT);
const app = createWebServer({
  distDir,
  commandApiUrl: config.COMMAND_API_URL ?? local(config.COMMAND_API_PORT),
  queryApiUrl: config.QUERY_API_URL ?? local(config.QUERY_API_PORT),
  projectorsUrl: config.PROJECTORS_URL ?? local(config.PROJECTORS_PORT),
  chatUrl,
  otherParts: config.PAYMENTS === 'http' && config.PAYMENT_GATEWAY_URL ? { payments: config.PAYMENT_GATEWAY_URL } : {},
  hostResponseHours: config.HOST_RESPONSE_HOURS,
  ...(config.MAP_TILES_URL ? { mapTilesUrl: config.MAP_TILES_URL } : {}),
});
const server = app.listen(config.WEB_PORT, () => log.info(`web app on http://localhost:${config.WEB_PORT}`));
attachChatSocket(server, chatUrl);

const shutdown = () => {
  server.close(() => process.exit(0));
  server.closeAllConnections();
};
onStopSignal(shutdown);
