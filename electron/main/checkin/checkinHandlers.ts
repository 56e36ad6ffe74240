import type { AppContext } from '../context';
import type { Handlers } from '../dispatch';
import { todaysCheckins } from './checkinService';

export function checkinHandlers(ctx: AppContext): Pick<Handlers, 'checkin.today'> {
  return {
    'checkin.today': () => todaysCheckins(ctx),
  };
}
