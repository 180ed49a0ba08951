/**
 * A small getopt_long, enough to read mkltfs's and ltfsck's command lines as glibc would:
 * short options may be bundled (`-fq`) or carry their argument attached (`-dX`), long options
 * take `--name=value` or `--name value`, and operands may appear anywhere.
 */
export interface OptionSpec {
  readonly key: string;
  readonly short?: string;
  readonly long?: string;
  readonly takesValue: boolean;
}

export interface ParsedOption {
  readonly key: string;
  readonly value: string | null;
}

export type GetoptResult =
  | { readonly ok: true; readonly options: ParsedOption[]; readonly operands: string[] }
  /** `message` is glibc's wording, e.g. "invalid option -- 'z'" (the caller adds the program). */
  | { readonly ok: false; readonly message: string };

export function getoptLong(args: readonly string[], specs: readonly OptionSpec[]): GetoptResult {
  const options: ParsedOption[] = [];
  const operands: string[] = [];
  for (let index = 0; index < args.length; index += 1) {
    const arg = args[index] as string;
    if (arg === "--") {
      operands.push(...args.slice(index + 1));
      break;
    }
    if (arg.startsWith("--")) {
      const equals = arg.indexOf("=");
      const name = equals < 0 ? arg.slice(2) : arg.slice(2, equals);
      const spec = specs.find((candidate) => candidate.long === name);
      if (spec === undefined) return { ok: false, message: `unrecognized option '${arg}'` };
      if (!spec.takesValue) {
        if (equals >= 0) {
          return { ok: false, message: `option '--${name}' doesn't allow an argument` };
        }
        options.push({ key: spec.key, value: null });
        continue;
      }
      if (equals >= 0) {
        options.push({ key: spec.key, value: arg.slice(equals + 1) });
        continue;
      }
      const value = args[index + 1];
      if (value === undefined) {
        return { ok: false, message: `option '--${name}' requires an argument` };
      }
      options.push({ key: spec.key, value });
      index += 1;
      continue;
    }
    if (arg.startsWith("-") && arg.length > 1) {
      for (let position = 1; position < arg.length; position += 1) {
        const letter = arg[position] as string;
        const spec = specs.find((candidate) => candidate.short === letter);
        if (spec === undefined) return { ok: false, message: `invalid option -- '${letter}'` };
        if (!spec.takesValue) {
          options.push({ key: spec.key, value: null });
          continue;
        }
        const attached = arg.slice(position + 1);
        if (attached !== "") {
          options.push({ key: spec.key, value: attached });
        } else {
          const value = args[index + 1];
          if (value === undefined) {
            return { ok: false, message: `option requires an argument -- '${letter}'` };
          }
          options.push({ key: spec.key, value });
          index += 1;
        }
        break;
      }
      continue;
    }
    operands.push(arg);
  }
  return { ok: true, options, operands };
}

/** The last value given for `key` (later options win, as in the real tools). */
export function lastValue(options: readonly ParsedOption[], key: string): string | null {
  let value: string | null = null;
  for (const option of options) if (option.key === key) value = option.value;
  return value;
}

export function hasOption(options: readonly ParsedOption[], key: string): boolean {
  return options.some((option) => option.key === key);
}
