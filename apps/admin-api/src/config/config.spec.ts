import { ConfigError, loadConfig } from './config';

describe('loadConfig', () => {
  it('runs with no variables at all: embedded database, in-process jobs, port 3000', () => {
    const config = loadConfig({});
    expect(config.PORT).toBe(3000);
    expect(config.DATABASE_URL).toBeUndefined();
    expect(config.REDIS_URL).toBeUndefined();
    expect(config.PUBLIC_URL).toBe('http://localhost:3000');
    expect(config.STEWARD_DATA_DIR).toMatch(/\.steward$/);
  });

  it('lists every bad variable at once, by name, with the value it got', () => {
    let error: unknown;
    try {
      loadConfig({ PORT: 'abc', DATABASE_URL: 'mysql://x', STEWARD_PROCESS_ROLE: 'boss' });
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const problems = (error as ConfigError).problems;
    expect(problems).toHaveLength(3);
    expect(problems[0]).toMatch(/^PORT="abc": /);
    expect(problems.join('\n')).toMatch(/DATABASE_URL="mysql:\/\/x": must be a postgres/);
    expect(problems.join('\n')).toMatch(/STEWARD_PROCESS_ROLE="boss": must be one of/);
  });

  it('keeps stdio connector import off unless set to true', () => {
    expect(loadConfig({}).STEWARD_ALLOW_STDIO_IMPORT).toBe(false);
    expect(loadConfig({ STEWARD_ALLOW_STDIO_IMPORT: 'false' }).STEWARD_ALLOW_STDIO_IMPORT).toBe(
      false,
    );
    expect(loadConfig({ STEWARD_ALLOW_STDIO_IMPORT: 'true' }).STEWARD_ALLOW_STDIO_IMPORT).toBe(
      true,
    );
    expect(() => loadConfig({ STEWARD_ALLOW_STDIO_IMPORT: 'yes' })).toThrow(
      /STEWARD_ALLOW_STDIO_IMPORT="yes": must be true or false/,
    );
  });

  it('keeps HTTP connector import to public addresses unless set to true', () => {
    expect(loadConfig({}).STEWARD_ALLOW_PRIVATE_CONNECTOR_IMPORT).toBe(false);
    expect(
      loadConfig({ STEWARD_ALLOW_PRIVATE_CONNECTOR_IMPORT: 'true' })
        .STEWARD_ALLOW_PRIVATE_CONNECTOR_IMPORT,
    ).toBe(true);
    expect(() => loadConfig({ STEWARD_ALLOW_PRIVATE_CONNECTOR_IMPORT: '1' })).toThrow(
      /STEWARD_ALLOW_PRIVATE_CONNECTOR_IMPORT="1": must be true or false/,
    );
  });

  it('treats empty variables as unset and rejects out-of-range ports', () => {
    expect(loadConfig({ DATABASE_URL: '', PORT: '8080' }).DATABASE_URL).toBeUndefined();
    expect(() => loadConfig({ PORT: '70000' })).toThrow(/PORT="70000": must be between/);
  });
});
