import { USER_ID_PATTERN, USER_ID_RULE } from '@parley/protocol';
import { z } from 'zod';

/** A user or group id in a request body, refused with the rule in words: every API names it alike. */
export const idField = z.string().regex(USER_ID_PATTERN, `must be ${USER_ID_RULE}`);
