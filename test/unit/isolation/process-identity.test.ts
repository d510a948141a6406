import { describe, expect, it } from 'vitest';
import { codes } from '../../../src/errors.js';
import { refuseIdentityWithoutRoot } from '../../../src/isolation/process-runtime.js';

describe('running a plugin process as another user', () => {
  it('is refused without root, saying what to do, before anything is spawned', () => {
    expect(() => refuseIdentityWithoutRoot('p', { uid: 65_534 }, 1_000)).toThrow(
      expect.objectContaining({
        code: codes.START_FAILED,
        message: expect.stringContaining('needs the host to run as root') as string,
        data: { uid: 65_534, gid: undefined },
      }),
    );
    expect(() => refuseIdentityWithoutRoot('p', { gid: 65_534 }, 1_000)).toThrow(
      expect.objectContaining({ code: codes.START_FAILED }),
    );
  });

  it('is let through as root, and when no user is named', () => {
    expect(() => refuseIdentityWithoutRoot('p', { uid: 65_534, gid: 65_534 }, 0)).not.toThrow();
    expect(() => refuseIdentityWithoutRoot('p', { maxRssMb: 256 }, 1_000)).not.toThrow();
  });
});
