import Module, { createRequire, isBuiltin } from 'node:module';
import { relative, sep } from 'node:path';

/**
 * The agent's require hook: what require-in-the-middle does for
 * @opentelemetry/instrumentation (whose RequireInTheMiddleSingleton the agent's
 * build replaces with the class below), at a fraction of the cost while an
 * application starts.
 *
 * require-in-the-middle, as the instrumentation package uses it, hooks every
 * require call: it resolves each request a second time, and for every module
 * file asks Node to resolve its package's main file again, to name it, before
 * a lookup finds that nothing is registered for it. An express + pg + ioredis
 * application started ~16 ms (8%) slower for that alone. This hook sits in
 * `Module._load` and looks at a request only when it can be a registered
 * module: a built-in of a registered name, a bare request for a registered
 * package, or a path required from inside one (or naming a node_modules
 * folder). For those it keeps require-in-the-middle's contract exactly:
 * - a hook gets `(exports, name, basedir)`: for a built-in its name (`http`,
 *   `node:` stripped) and no basedir; for a package file the package name
 *   (`pg`) when it is the package's main file, else the name and the file's
 *   path in the package (`pg/lib/client.js`), and the package's folder;
 * - hooks registered for `pg` see `pg` and every file in it, in registration
 *   order; a built-in matches only its own name (`fs`, not `fs/promises`);
 * - what the hooks return is what every later require of that file gets;
 * - a module required again while it loads (a cycle) is returned as is;
 * - process.getBuiltinModule is hooked too.
 * Loads that are not require calls (the main module, ES-module imports of
 * CommonJS, which import-in-the-middle sees) have no parent module and are
 * left alone, as require-in-the-middle never sees them either.
 */

/** A registration, as @opentelemetry/instrumentation makes and keeps it. */
export interface Hooked {
  readonly moduleName: string;
  readonly onRequire: (exports: unknown, name: string, basedir: string | undefined) => unknown;
}

type Load = (this: unknown, request: string, parent: unknown, isMain: boolean) => unknown;
type ModuleInternals = typeof Module & {
  _load: Load;
  _resolveFilename(request: string, parent: unknown, isMain: boolean): string;
};
type GetBuiltinModule = (id: string) => unknown;
type WithGetBuiltin = { getBuiltinModule?: GetBuiltinModule | undefined };

export class RequireInTheMiddleSingleton {
  static #instance: RequireInTheMiddleSingleton | undefined;

  /** The one hook of the process (every copy of @opentelemetry/instrumentation in the bundle shares it). */
  static getInstance(): RequireInTheMiddleSingleton {
    return (RequireInTheMiddleSingleton.#instance ??= new RequireInTheMiddleSingleton());
  }

  readonly #hooks: Hooked[] = [];
  /** Registered built-in names, and the packages (`pg`, `@grpc/grpc-js`) of the other names. */
  readonly #builtins = new Set<string>();
  readonly #packages = new Set<string>();
  /** Called with every request before it loads (the instrumentation set constructs instrumentations then). */
  readonly #beforeLoad: Array<(request: string) => void> = [];
  /** What the hooks returned, by file name (or built-in name): later requires get the same. */
  readonly #patched = new Map<string, unknown>();
  readonly #loading = new Set<string>();
  /** Each package folder's main file (null: it has none). */
  readonly #mains = new Map<string, string | null>();
  /** Resolves a package's main from its folder (require.resolve with `paths` ignores its own base). */
  readonly #resolver = createRequire(process.execPath);
  readonly #uninstall: () => void;

  constructor() {
    const mod = Module as ModuleInternals;
    const load = mod._load;
    // eslint-disable-next-line @typescript-eslint/no-this-alias -- the wrappers' `this` is Module's
    const hook = this;
    const hookedLoad: Load = function (request, parent, isMain) {
      const before = hook.#beforeLoad;
      for (let i = 0; i < before.length; i++) before[i]!(request);
      if (!parent || typeof request !== 'string' || hook.#hooks.length === 0)
        return load.call(this, request, parent, isMain);
      return hook.#load(request, parent, isMain, () => load.call(this, request, parent, isMain));
    };
    mod._load = hookedLoad;
    const proc = process as WithGetBuiltin;
    const getBuiltin = proc.getBuiltinModule;
    const hookedGetBuiltin: GetBuiltinModule | undefined = getBuiltin
      ? function (this: unknown, id: string): unknown {
          if (typeof id !== 'string' || !isBuiltin(id) || hook.#hooks.length === 0)
            return getBuiltin.call(this, id);
          for (const listener of hook.#beforeLoad) listener(id);
          return hook.#loadBuiltin(id, () => getBuiltin.call(this, id));
        }
      : undefined;
    if (hookedGetBuiltin) proc.getBuiltinModule = hookedGetBuiltin;
    this.#uninstall = () => {
      if (mod._load === hookedLoad) mod._load = load;
      if (hookedGetBuiltin && proc.getBuiltinModule === hookedGetBuiltin) proc.getBuiltinModule = getBuiltin;
    };
  }

  /** Hooks `onRequire` on the module `moduleName` (a built-in, a package, or a file in one). */
  register(moduleName: string, onRequire: Hooked['onRequire']): Hooked {
    const hooked: Hooked = { moduleName, onRequire };
    this.#hooks.push(hooked);
    if (isBuiltin(moduleName)) this.#builtins.add(moduleName);
    const pkg = packageName(moduleName);
    if (pkg !== undefined) this.#packages.add(pkg);
    return hooked;
  }

  /** Runs `listener` with every request, before the hook looks at it. */
  onBeforeLoad(listener: (request: string) => void): () => void {
    this.#beforeLoad.push(listener);
    return () => {
      const i = this.#beforeLoad.indexOf(listener);
      if (i !== -1) this.#beforeLoad.splice(i, 1);
    };
  }

  /** Restores Module._load and process.getBuiltinModule (when nothing wrapped them since). */
  uninstall(): void {
    this.#uninstall();
    if (RequireInTheMiddleSingleton.#instance === this) RequireInTheMiddleSingleton.#instance = undefined;
  }

  #load(request: string, parent: unknown, isMain: boolean, load: () => unknown): unknown {
    if (isBuiltin(request)) return this.#loadBuiltin(request, load);
    if (!this.#mayBeRegistered(request, parent)) return load();
    let filename: string;
    try {
      filename = (Module as ModuleInternals)._resolveFilename(request, parent, isMain);
    } catch {
      return load(); // Node throws its own error
    }
    return this.#loadHooked(filename, load, () => this.#moduleName(filename));
  }

  #loadBuiltin(id: string, load: () => unknown): unknown {
    const name = id.startsWith('node:') && isBuiltin(id.slice(5)) ? id.slice(5) : id;
    if (!this.#builtins.has(name)) return load();
    return this.#loadHooked(name, load, () => ({ name, basedir: undefined }));
  }

  /**
   * Loads `key` (a file name, or a built-in's name) and runs the hooks on it
   * once (`target`: the name they see, undefined for none): later loads get
   * what they returned; a load inside its own load (a cycle) gets the partial
   * exports as they are.
   */
  #loadHooked(
    key: string,
    load: () => unknown,
    target: () => { name: string; basedir: string | undefined } | undefined,
  ): unknown {
    if (this.#patched.has(key)) return this.#patched.get(key);
    if (this.#loading.has(key)) return load();
    this.#loading.add(key);
    let exports: unknown;
    try {
      exports = load();
    } finally {
      this.#loading.delete(key);
    }
    const hooked = target();
    if (hooked === undefined) return exports;
    // Built-ins (no base directory) match only their own name, as require-in-the-middle's do.
    exports = this.#run(exports, hooked.name, hooked.basedir, hooked.basedir === undefined);
    this.#patched.set(key, exports);
    return exports;
  }

  /** A bare request for a registered package, or a path from inside one (or into node_modules). */
  #mayBeRegistered(request: string, parent: unknown): boolean {
    const pkg = packageName(request);
    if (pkg !== undefined) return this.#packages.has(pkg);
    if (request.includes('node_modules')) return true;
    const from = (parent as { filename?: unknown }).filename;
    if (typeof from !== 'string') return false;
    const details = moduleDetailsFromPath(from);
    return details !== undefined && this.#packages.has(details.name);
  }

  /** require-in-the-middle's name for a file: its package's, or the package's plus its path in it. */
  #moduleName(filename: string): { name: string; basedir: string } | undefined {
    const details = moduleDetailsFromPath(filename);
    if (details === undefined || !this.#packages.has(details.name)) return undefined;
    let main = this.#mains.get(details.basedir);
    if (main === undefined) {
      try {
        main = this.#resolver.resolve(details.name, { paths: [details.basedir] });
      } catch {
        main = null;
      }
      this.#mains.set(details.basedir, main);
    }
    if (main === null) return undefined; // require-in-the-middle skips a package it cannot resolve
    const name = main === filename ? details.name : details.name + sep + relative(details.basedir, filename);
    return { name, basedir: details.basedir };
  }

  /** The hooks whose name is `name` or (not for built-ins) a parent path of it, in registration order. */
  #run(exports: unknown, name: string, basedir: string | undefined, exact: boolean): unknown {
    const normalized = sep === '/' ? name : name.split(sep).join('/');
    for (const hooked of this.#hooks) {
      const registered = hooked.moduleName;
      const matches =
        normalized === registered ||
        (!exact &&
          normalized.length > registered.length &&
          normalized.charCodeAt(registered.length) === 47 /* / */ &&
          normalized.startsWith(registered));
      if (matches) exports = hooked.onRequire(exports, name, basedir);
    }
    return exports;
  }
}

type WithVersionReader = { _extractPackageVersion?: (baseDir: string) => string | undefined };

/**
 * InstrumentationBase reads and parses a package's package.json for every
 * hooked file of it (pg and express have a dozen each) to check the version:
 * here it is read once per package folder. `prototype` is
 * InstrumentationBase's; a version without the method is left alone.
 */
export function rememberPackageVersions(prototype: object): void {
  const target = prototype as WithVersionReader;
  const read = target._extractPackageVersion;
  if (typeof read !== 'function' || REMEMBERING in read) return;
  const versions = new Map<string, string | undefined>();
  target._extractPackageVersion = Object.assign(
    function (this: unknown, baseDir: string): string | undefined {
      if (versions.has(baseDir)) return versions.get(baseDir);
      const version = read.call(this, baseDir);
      versions.set(baseDir, version);
      return version;
    },
    { [REMEMBERING]: true },
  );
}
const REMEMBERING = Symbol('spyglass.rememberPackageVersions');

/** The package a bare require() names (`pg`, `@grpc/grpc-js` of `@grpc/grpc-js/build/x`); undefined for paths. */
export function packageName(request: string): string | undefined {
  const first = request.charCodeAt(0);
  if (first === 46 /* . */ || first === 47 /* / */ || request.length === 0) return undefined;
  if (sep === '\\' && /^[a-zA-Z]:[\\/]/.test(request)) return undefined;
  const slash = request.indexOf('/');
  if (slash === -1) return request;
  if (first !== 64 /* @ */) return request.slice(0, slash);
  const second = request.indexOf('/', slash + 1);
  return second === -1 ? request : request.slice(0, second);
}

/** The package a file is in (the last node_modules folder on its path), as module-details-from-path finds it. */
export function moduleDetailsFromPath(file: string): { name: string; basedir: string } | undefined {
  const marker = `${sep}node_modules${sep}`;
  const at = file.lastIndexOf(marker);
  if (at === -1) return undefined;
  const start = at + marker.length;
  let end = file.indexOf(sep, start);
  if (end === -1) return undefined;
  if (file.charCodeAt(start) === 64 /* @ */) {
    end = file.indexOf(sep, end + 1);
    if (end === -1) return undefined;
  }
  const name = file.slice(start, end);
  return { name: sep === '/' ? name : name.replace(sep, '/'), basedir: file.slice(0, end) };
}
