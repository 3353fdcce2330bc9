import { describe, expect, it } from 'vitest';
import {
  ConsteliteError,
  ErrorCodes,
  errorFromJSON,
  errorTable,
  isConsteliteError,
  RecordNotFoundError,
  StoreFaultError,
  UnknownModelError,
} from './errors.js';

describe('errors', () => {
  it('carry a stable code, an HTTP status, a short detail and the full message', () => {
    const error = new RecordNotFoundError('no Cat record with uid 42 in store Memory', {
      extra: { uid: '42' },
    });
    expect(error).toBeInstanceOf(ConsteliteError);
    expect(error.name).toBe('RecordNotFoundError');
    expect(error.code).toBe('RECORD_NOT_FOUND');
    expect(error.status).toBe(400);
    expect(error.detail).toBe('Record not found');
    expect(error.message).toContain('uid 42');
  });

  it('serialise to the wire body with extra.error_message', () => {
    const body = new UnknownModelError("Unknown model 'Dragon'", { extra: { model: 'Dragon' } }).toJSON();
    expect(body).toEqual({
      detail: 'Unknown model',
      code: 'UNKNOWN_MODEL',
      status: 400,
      extra: { model: 'Dragon', error_message: "Unknown model 'Dragon'" },
    });
  });

  it('are rebuilt from the wire body as the same typed error', () => {
    const original = new StoreFaultError('Store Memory failed: disk full', { extra: { store: 's1' } });
    const rebuilt = errorFromJSON(JSON.parse(JSON.stringify(original)), 500);
    expect(rebuilt).toBeInstanceOf(StoreFaultError);
    expect(rebuilt.code).toBe('STORE_FAULT');
    expect(rebuilt.message).toBe('Store Memory failed: disk full');
    expect(rebuilt.extra).toEqual({ store: 's1' });
    expect(rebuilt.status).toBe(500);
  });

  it('keep an unknown code and status when rebuilt', () => {
    const rebuilt = errorFromJSON(
      { detail: 'Teapot', code: 'TEAPOT', extra: { error_message: 'short and stout' } },
      418,
    );
    expect(rebuilt.code).toBe('TEAPOT');
    expect(rebuilt.status).toBe(418);
    expect(rebuilt.message).toBe('short and stout');
  });

  it('are recognised by code across copies of the package', () => {
    const foreign = { name: 'RecordNotFoundError', code: 'RECORD_NOT_FOUND', status: 400, message: 'x' };
    expect(isConsteliteError(foreign, ErrorCodes.RECORD_NOT_FOUND)).toBe(true);
    expect(isConsteliteError(foreign, 'UNKNOWN_MODEL')).toBe(false);
    expect(isConsteliteError(new Error('plain'))).toBe(false);
  });

  it('every code of the error table is rebuilt from its wire body as its own class, status and default detail', () => {
    for (const [code, { status, name, detail }] of Object.entries(errorTable)) {
      const rebuilt = errorFromJSON({ code, detail, extra: { error_message: `a ${code}` } }, status);
      expect(rebuilt.name).toBe(name);
      expect(rebuilt.code).toBe(code);
      expect(rebuilt.status).toBe(status);
      expect(rebuilt.detail).toBe(detail);
      expect(isConsteliteError(rebuilt, code as keyof typeof errorTable)).toBe(true);
    }
  });
});

describe('one copy of core', () => {
  it('a second copy of @constelite/core loaded from another place fails with DUPLICATE_PACKAGE saying what to do', async () => {
    const { claimSingleCopy } = await import('./copies.js');
    const scope = {};
    claimSingleCopy('file:///app/node_modules/@constelite/core/dist/registry.js', scope);
    claimSingleCopy('file:///app/node_modules/@constelite/core/dist/registry.js', scope);
    let error: unknown;
    try {
      claimSingleCopy('file:///app/node_modules/other/node_modules/@constelite/core/dist/registry.js', scope);
    } catch (caught) {
      error = caught;
    }
    expect(isConsteliteError(error, 'DUPLICATE_PACKAGE')).toBe(true);
    expect((error as Error).message).toMatch(/peer dependency.*dedupe/);
  });
});
