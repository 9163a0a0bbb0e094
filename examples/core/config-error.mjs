// An ExitError is an expected stop, not a bug: uncaught, it prints only its
// message and exits with its exitCode. No hook needs to be registered.
import { ExitError } from 'farewell';

class ConfigError extends ExitError {
  exitCode = 78; // EX_CONFIG (sysexits.h)
}

const port = process.env.DEMO_PORT ?? 'not-a-number';
if (!/^\d+$/.test(port)) throw new ConfigError(`DEMO_PORT must be a number, got "${port}"`);
