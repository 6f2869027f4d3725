import t from 'tap';
import { STEP_NAMES } from '../lib/types.js';

t.test('step names follow the path a client walks', async (t) => {
  t.same([...STEP_NAMES], ['dns', 'tcp', 'proxy', 'tls', 'http', 'sstp', 'ppp', 'auth']);
});
