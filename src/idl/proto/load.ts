import { existsSync } from "node:fs";
import path from "node:path";
import protobuf from "protobufjs";

export interface LoadProtoOptions {
  /** Folders searched for imports, after the importing file's own folder. Default: none. */
  includeDirs?: readonly string[];
  /** Keep field names as written in the .proto file (`snake_case`). Default true. */
  keepCase?: boolean;
}

/** Load `.proto` files (and what they import) into one resolved protobufjs Root. */
export async function loadProtoRoot(files: string | readonly string[], options: LoadProtoOptions = {}): Promise<protobuf.Root> {
  const root = newRoot(options);
  await root.load(toList(files), { keepCase: options.keepCase ?? true });
  root.resolveAll();
  return root;
}

/** `loadProtoRoot`, reading the files synchronously. */
export function loadProtoRootSync(files: string | readonly string[], options: LoadProtoOptions = {}): protobuf.Root {
  const root = newRoot(options);
  root.loadSync(toList(files), { keepCase: options.keepCase ?? true });
  root.resolveAll();
  return root;
}

/** Parse `.proto` source text (no imports but the well-known types) into a resolved Root. */
export function parseProtoRoot(source: string, options: LoadProtoOptions = {}): protobuf.Root {
  const { root } = protobuf.parse(source, new protobuf.Root(), { keepCase: options.keepCase ?? true });
  root.resolveAll();
  return root;
}

function toList(files: string | readonly string[]): string[] {
  return typeof files === "string" ? [files] : [...files];
}

function newRoot(options: LoadProtoOptions): protobuf.Root {
  const root = new protobuf.Root();
  const includeDirs = options.includeDirs ?? [];
  root.resolvePath = (origin, target) => {
    if (path.isAbsolute(target)) return target;
    const besideOrigin = origin ? path.resolve(path.dirname(origin), target) : path.resolve(target);
    if (existsSync(besideOrigin)) return besideOrigin;
    for (const dir of includeDirs) {
      const candidate = path.resolve(dir, target);
      if (existsSync(candidate)) return candidate;
    }
    return besideOrigin; // protobufjs serves the well-known types itself, or reports the missing file
  };
  return root;
}
