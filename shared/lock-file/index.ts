export { type PidLockFile, type PidLockFileOptions, takePidLockFile } from "./pid-lock-file.ts";
export { isProcessAlive } from "./process-alive.ts";
