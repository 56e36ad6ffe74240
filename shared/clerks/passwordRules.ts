/** Password length rules, shown by the renderer's forms and enforced by the contract. */
export const MIN_PASSWORD_LENGTH = 10;
/** scrypt reads the whole password: a cap keeps a hostile payload from costing real work. */
export const MAX_PASSWORD_LENGTH = 200;
