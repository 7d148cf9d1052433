/** Makes `require('vscode')` return the stand-in (loaded with node --require before the tests). */
import Module from 'module';
import * as path from 'path';

const stub = path.join(__dirname, 'vscode-stub.js');
type Resolve = (request: string, parent: unknown, isMain: boolean, options: unknown) => string;
const mod = Module as unknown as { _resolveFilename: Resolve };
const original = mod._resolveFilename;
mod._resolveFilename = function (request, parent, isMain, options) {
  if (request === 'vscode') {
    return stub;
  }
  return original.call(this, request, parent, isMain, options);
};
