export {
  MTX_ERROR_CODES,
  MtxDestinationFullError,
  MtxDeviceBusyError,
  MtxDeviceOpenError,
  MtxDriveEmptyError,
  MtxDriveFullError,
  MtxError,
  type MtxErrorCode,
  type MtxErrorFields,
  MtxInvalidArgumentError,
  MtxMediumRemovalPreventedError,
  MtxMoveFailedError,
  MtxNotReadyError,
  MtxParseError,
  MtxSlotFullError,
  MtxSourceEmptyError,
  MtxStatusFailedError,
  MtxStatusIncompleteError,
} from "./errors.ts";
export {
  type DriveStatus,
  findTape,
  isCleaningTape,
  type LibraryStatus,
  type SlotStatus,
  type TapeLocation,
} from "./library-status.ts";
export { createMtxChanger, type MtxChanger, type MtxChangerOptions } from "./mtx-changer.ts";
export { describeMtxRequest, type MtxOperation, type MtxRequest } from "./mtx-request.ts";
export {
  type MtxMoveOutcome,
  type MtxMoveProgress,
  type MtxOutput,
  mtxErrorFromOutput,
  parseMtxMoveOutput,
  parseMtxMoveOutputOrThrow,
} from "./parse-move.ts";
export {
  type MtxStatusLine,
  type ParseMtxStatusOptions,
  parseMtxStatus,
  parseMtxStatusLine,
} from "./parse-status.ts";
export {
  describeRequestSense,
  formatSenseByte,
  isRequestSenseLine,
  parseRequestSense,
  parseRequestSenseBlocks,
  type RequestSense,
  SENSE_KEY_HARDWARE_ERROR,
  SENSE_KEY_ILLEGAL_REQUEST,
  SENSE_KEY_NOT_READY,
  SENSE_KEY_UNIT_ATTENTION,
} from "./request-sense.ts";
