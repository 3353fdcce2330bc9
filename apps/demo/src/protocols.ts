import { protocol } from '@constelite/api';
import { z } from 'zod';

/** The seed's HelloWorldProtocol, served at `/protocols/hello_world`: logs "Hello, <name>!" and returns nothing. */
export const hello_world = protocol(
  { name: 'Hello world', description: 'Greets someone in the API log.', args: { name: z.string() } },
  ({ logger, args }) => {
    logger.info(`Hello, ${args.name}!`);
  },
);
