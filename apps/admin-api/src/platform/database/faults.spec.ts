import { Prisma } from '../../generated/prisma/client';
import { faultOf } from './faults';

function prismaError(code: string, originalCode?: string) {
  return new Prisma.PrismaClientKnownRequestError('refused', {
    code,
    clientVersion: 'test',
    meta: originalCode ? { driverAdapterError: { cause: { originalCode } } } : undefined,
  });
}

describe('faultOf', () => {
  it('names the fault of a model operation by its Prisma code', () => {
    expect(faultOf(prismaError('P2002'))).toBe('unique');
    expect(faultOf(prismaError('P2003'))).toBe('foreignKey');
    expect(faultOf(prismaError('P2034'))).toBe('retry');
    expect(faultOf(prismaError('P2028'))).toBe('expired');
  });

  it("names the fault of a raw statement by the driver's Postgres code", () => {
    expect(faultOf(prismaError('P2010', '23505'))).toBe('unique');
    expect(faultOf(prismaError('P2010', '23503'))).toBe('foreignKey');
    expect(faultOf(prismaError('P2010', '40001'))).toBe('retry');
    expect(faultOf(prismaError('P2010', '40P01'))).toBe('retry');
    expect(faultOf(prismaError('P2010', '57014'))).toBe('expired');
  });

  it("names the fault of a pg client's error by its Postgres code", () => {
    const pgError = (code: string) => Object.assign(new Error('refused'), { code });
    expect(faultOf(pgError('23505'))).toBe('unique');
    expect(faultOf(pgError('40P01'))).toBe('retry');
    expect(faultOf(pgError('ECONNREFUSED'))).toBeUndefined();
  });

  it('has no fault for other errors', () => {
    expect(faultOf(prismaError('P2025'))).toBeUndefined();
    expect(faultOf(new Error('duplicate key'))).toBeUndefined();
    expect(faultOf(undefined)).toBeUndefined();
  });
});
