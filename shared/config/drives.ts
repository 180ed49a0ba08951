import type { PytarchiveError } from "../errors/index.ts";
import { DRIVE_SECTION } from "./settings.ts";
import { type Setting, type SettingsSource, settingError } from "./settings-source.ts";
import type { DriveConfig } from "./types.ts";
import { parseAbsolutePath, parseElement, parseNonEmpty, parseWord } from "./values.ts";

/**
 * LTFS device of the one default drive. LTFS's default Linux backend (sg) opens SCSI generic
 * devices or a drive serial, not /dev/st0 or /dev/nst0; on a library whose drive has the lower
 * SCSI address (the usual case) the drive is /dev/sg0. `ltfs -o device_list` shows the right one.
 */
export const DEFAULT_DRIVE_DEVICE = "/dev/sg0";
/** Mount point of the single-drive form, as in the original. */
export const DEFAULT_MOUNT_POINT = "/ltfs";

const MOUNT_POINT_EXAMPLE = "/ltfs";

interface DriveEntry {
  readonly config: DriveConfig;
  /** `Device` for the single-drive form, else `Drive <n>`. */
  readonly section: string;
  readonly settings: { element?: Setting; device?: Setting; mountPoint?: Setting };
}

/**
 * The drives: `[Drive 0]`, `[Drive 1]`, … sections, or the original single-drive form
 * (`[Device] drive_serial` and `mount_point`), or one default drive. Sorted by element.
 * Refuses a mix of both forms, and two drives sharing an element, a device or a mount point.
 */
export function readDrives(source: SettingsSource): DriveConfig[] {
  const driveSections = source.sectionNames.filter((name) => DRIVE_SECTION.test(name));
  const entries =
    driveSections.length > 0 ? readDriveSections(source, driveSections) : [readSingleDrive(source)];
  checkDistinct(source, entries);
  return entries.map((entry) => entry.config).sort((a, b) => a.element - b.element);
}

function readSingleDrive(source: SettingsSource): DriveEntry {
  const serialSetting = source.read("Device", "drive_serial");
  const mountSetting = source.read("Device", "mount_point");
  const serial = serialSetting
    ? parseWord(
        serialSetting,
        "the drive's serial number, e.g. 10WT012345 (sudo tapeinfo -f /dev/sg0)",
      )
    : null;
  const mountPoint = mountSetting ? parseMountPoint(mountSetting) : DEFAULT_MOUNT_POINT;
  return {
    // The original passed drive_serial to ltfs as its devname; the sg backend accepts serials.
    config: { element: 0, device: serial ?? DEFAULT_DRIVE_DEVICE, mountPoint, serial },
    section: "Device",
    settings: { ...(mountSetting && { mountPoint: mountSetting }) },
  };
}

function readDriveSections(source: SettingsSource, sections: readonly string[]): DriveEntry[] {
  for (const key of ["drive_serial", "mount_point"]) {
    const setting = source.read("Device", key);
    if (setting?.origin.kind === "file" && setting.origin.writtenIn === "Device") {
      throw settingError(
        setting,
        `cannot be combined with [Drive <n>] sections; set it as ${key === "drive_serial" ? "serial" : key} in [Drive 0] instead`,
      );
    }
  }
  return sections.map((section) => {
    const number = Number(DRIVE_SECTION.exec(section)?.[1]);
    const elementSetting = source.read(section, "element");
    const deviceSetting = source.read(section, "device");
    const mountSetting = source.read(section, "mount_point");
    const serialSetting = source.read(section, "serial");
    const serial = serialSetting
      ? parseWord(
          serialSetting,
          "the drive's serial number as tapeinfo reports it, e.g. 10WT012345",
        )
      : null;
    const device = deviceSetting
      ? parseNonEmpty(deviceSetting, "the LTFS device name, e.g. /dev/sg3 or the drive's serial")
      : serial;
    if (device === null) {
      throw source.sectionError(
        section,
        "no device: LTFS needs to know which drive this is",
        `Add device = /dev/sgN (see ltfs -o device_list) or serial = <serial from tapeinfo> to [${section}].`,
      );
    }
    return {
      config: {
        element: elementSetting ? parseElement(elementSetting) : number,
        device,
        mountPoint: mountSetting ? parseMountPoint(mountSetting) : `/ltfs${number}`,
        serial,
      },
      section,
      settings: {
        ...(elementSetting && { element: elementSetting }),
        // A device taken from the serial is blamed on the serial line.
        ...((deviceSetting ?? serialSetting) && { device: deviceSetting ?? serialSetting }),
        ...(mountSetting && { mountPoint: mountSetting }),
      },
    };
  });
}

function parseMountPoint(setting: Setting): string {
  const mountPoint = parseAbsolutePath(setting, MOUNT_POINT_EXAMPLE);
  if (mountPoint === "/") {
    throw settingError(
      setting,
      `is the root folder; expected a folder of its own, e.g. ${MOUNT_POINT_EXAMPLE}`,
    );
  }
  return mountPoint;
}

function checkDistinct(source: SettingsSource, entries: readonly DriveEntry[]): void {
  entries.forEach((entry, index) => {
    const { config, section, settings } = entry;
    const clash = (
      key: string,
      setting: Setting | undefined,
      value: string,
      problem: string,
      advice: string,
    ): PytarchiveError =>
      setting
        ? settingError(setting, `${problem}; ${advice}`)
        : source.sectionError(
            section,
            `the default ${key} ${JSON.stringify(value)}: ${problem}`,
            `Set ${key} in [${section}]: ${advice}.`,
          );
    for (const earlier of entries.slice(0, index)) {
      if (config.element === earlier.config.element) {
        throw clash(
          "element",
          settings.element,
          String(config.element),
          `[${earlier.section}] has element ${config.element} too`,
          "each drive has its own Data Transfer Element number (see mtx status)",
        );
      }
      if (config.device === earlier.config.device) {
        throw clash(
          "device",
          settings.device,
          config.device,
          `[${earlier.section}] uses this device too`,
          "each drive has its own device (see ltfs -o device_list)",
        );
      }
      const mountPoint = earlier.config.mountPoint;
      const relation =
        config.mountPoint === mountPoint
          ? `[${earlier.section}] mounts its tape there too`
          : config.mountPoint.startsWith(`${mountPoint}/`)
            ? `lies inside the mount point of [${earlier.section}], ${mountPoint}`
            : mountPoint.startsWith(`${config.mountPoint}/`)
              ? `contains the mount point of [${earlier.section}], ${mountPoint}`
              : null;
      if (relation !== null) {
        throw clash(
          "mount_point",
          settings.mountPoint,
          config.mountPoint,
          relation,
          "every drive needs a mount point of its own, side by side, e.g. /ltfs0 and /ltfs1",
        );
      }
    }
  });
}
