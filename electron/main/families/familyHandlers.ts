import type { AppContext } from '../context';
import type { Handlers } from '../dispatch';
import { loadFamily } from './familyService';

export function familyHandlers(ctx: AppContext): Pick<Handlers, 'family.load'> {
  return {
    'family.load': ({ familyId }) => loadFamily(ctx, familyId),
  };
}
