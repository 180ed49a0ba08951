export {
  differingXattrs,
  isCarriedXattr,
  readUserXattrs,
  type UserXattrs,
  writeUserXattrs,
} from "./user-xattrs.ts";
