import * as Y from 'yjs';
import { Awareness, applyAwarenessUpdate, encodeAwarenessUpdate } from 'y-protocols/awareness';
const a = new Awareness(new Y.Doc());
console.log('fresh scratch states', a.getStates().size, [...a.getStates()]);
