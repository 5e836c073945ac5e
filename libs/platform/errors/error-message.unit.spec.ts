import { errorMessage } from './error-message';

describe('errorMessage', () => {
  describe('when anything is thrown', () => {
    it('reads errors, strings, error-like objects and other values', () => {
      expect(errorMessage(new Error('x'))).toBe('x');
      expect(errorMessage('y')).toBe('y');
      expect(errorMessage({ status: 'error', message: 'z' })).toBe('z');
      expect(errorMessage(42)).toBe('42');
      expect(errorMessage(undefined)).toBe('undefined');
      const cyclic: Record<string, unknown> = {};
      cyclic.self = cyclic;
      expect(errorMessage(cyclic)).toBe('[object Object]');
    });
  });
});
