export {
  differingXattrs,
  isCarriedXattr,
  readUserXattrs,
  type UserXattrs,
  writeUserXattrs,
  writeUserXattrsIfSupported,
} from "./user-xattrs.ts";
