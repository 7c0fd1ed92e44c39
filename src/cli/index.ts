export { buildProgram, main, reportError } from './main.js';
