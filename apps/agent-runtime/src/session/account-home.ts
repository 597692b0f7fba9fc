import fs from 'node:fs';
import os from 'node:os';

/**
 * The home folder of the account the runtime runs as, from the user database (getpwuid_r, through
 * libuv's os.userInfo), never from $HOME, which anyone starting the runtime can set: the ceiling's
 * `~` locations (the home itself, credential stores, synced folders) are placed with it. Its real
 * path, as grants are.
 */
export function accountHome(): string {
  const home = os.userInfo().homedir;
  try {
    return fs.realpathSync(home);
  } catch {
    return home;
  }
}
