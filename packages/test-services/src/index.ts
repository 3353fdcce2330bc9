export {
  CHROMIUM_ARGS,
  CHROMIUM_PATH,
  type ChromiumOptions,
  type ChromiumSession,
  launchChromium,
} from './chromium.js';
export { freePort } from './ports.js';
export {
  ping,
  type RedisServer,
  type RedisServerOptions,
  redisCommand,
  redisServerBinary,
  startRedis,
} from './redis.js';
