/** `clusterId` → `cluster_id`: the public name of a proto message's (camelCase) field. */
export type SnakeCase<Key extends string> = Key extends `${infer Head}${infer Tail}`
  ? `${Head extends Lowercase<Head> ? Head : `_${Lowercase<Head>}`}${SnakeCase<Tail>}`
  : Key;

/** The public snake_case name of a ts-proto message key, as in the .proto file. */
export function snakeCase<Key extends string>(key: Key): SnakeCase<Key> {
  return key.replace(/[A-Z]/g, (letter) => `_${letter.toLowerCase()}`) as SnakeCase<Key>;
}
