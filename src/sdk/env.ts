/**
 * `env("NAME", fallback?)` and `env.secret("NAME")`: values read from the environment when
 * a provider is configured. A secret's value is used at run time only; fingerprints see
 * just whether it is present, and the engine redacts it from logs and errors.
 */
const ENV_BRAND = Symbol.for("rigkit.env");

export interface EnvValue {
  readonly [ENV_BRAND]: true;
  readonly name: string;
  readonly fallback: string | undefined;
  readonly secret: boolean;
}

/** A config value that may also be read from the environment. */
export type Resolvable<T> = T extends string
  ? T | EnvValue
  : T extends readonly (infer U)[]
    ? Resolvable<U>[]
    : T extends object
      ? { [K in keyof T]: Resolvable<T[K]> }
      : T;

function make(name: string, fallback: string | undefined, secret: boolean): EnvValue {
  if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(name)) throw new TypeError(`env(): "${name}" is not a valid variable name`);
  return Object.freeze({ [ENV_BRAND]: true as const, name, fallback, secret });
}

export const env = Object.assign(
  (name: string, fallback?: string): EnvValue => make(name, fallback, false),
  { secret: (name: string): EnvValue => make(name, undefined, true) },
);

export const isEnvValue = (value: unknown): value is EnvValue =>
  typeof value === "object" && value !== null && (value as Record<symbol, unknown>)[ENV_BRAND] === true;
