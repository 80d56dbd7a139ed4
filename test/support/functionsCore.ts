/**
 * A stand-in for `@azure/functions-core`, the module the Functions host provides: with it installed,
 * the entry files load outside the host and every `app.http` / `app.timer` call really registers.
 */
import Module from 'node:module';

export interface Registration<B = unknown> {
  name: string;
  bindings: Record<string, B>;
}

/** Installs the stand-in for the rest of the process; `onRegister` sees each function registered. */
export function installFakeFunctionsCore<B>(onRegister: (metadata: Registration<B>) => void = () => {}) {
  const fakeCore = {
    setProgrammingModel() {},
    registerFunction(metadata: Registration<B>) {
      onRegister(metadata);
      return { dispose() {} };
    },
    registerHook() {
      return { dispose() {} };
    },
    log() {},
  };
  const loader = Module as unknown as { _load: (request: string, ...rest: unknown[]) => unknown };
  const load = loader._load;
  loader._load = function (request: string, ...rest: unknown[]) {
    return request === '@azure/functions-core' ? fakeCore : load.call(this, request, ...rest);
  };
}
