import type { AppContext } from '../context';
import type { Handlers } from '../dispatch';
import { correctPatientName } from './nameCorrection';

export function patientHandlers(ctx: AppContext): Pick<Handlers, 'patients.correctName'> {
  return {
    'patients.correctName': (input) => correctPatientName(ctx, input),
  };
}
