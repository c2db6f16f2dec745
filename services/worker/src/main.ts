import { runWorkerProcess } from './process.js'

await runWorkerProcess()
