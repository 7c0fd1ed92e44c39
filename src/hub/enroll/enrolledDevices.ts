import { z } from 'zod';
import { createSerializer, readJsonState, withFileLock, writeJsonAtomic } from '../../config/index.js';
import { FleetError } from '../../errors/index.js';
import { DeviceName } from '../inventory/schema.js';

/** The same rule as fleet.yaml tags (tags become target expressions: `tag:lab`). */
export const EnrollTagName = z
  .string()
  .regex(/^[A-Za-z0-9][A-Za-z0-9_.-]{0,62}$/, 'tag: letters, digits, _ . - (1–63)');

export const EnrollUrl = z
  .string()
  .url()
  .refine((u) => /^https?:\/\//i.test(u), 'url must be http:// or https://');

const EnrolledDeviceSchema = z
  .object({
    url: EnrollUrl,
    /** The bearer token the hub presents to the agent; the agent holds only its hash. */
    credential: z.string().min(1),
    tags: z.array(EnrollTagName),
    enrolled_at: z.iso.datetime(),
  })
  .strict();

export const EnrolledFileSchema = z
  .object({ version: z.literal(1), devices: z.record(DeviceName, EnrolledDeviceSchema) })
  .strict();

export type EnrolledDevice = z.output<typeof EnrolledDeviceSchema>;

export interface EnrolledStore {
  readonly path: string;
  /** Every enrolled device by name; a missing file is none, an invalid one is CONFIG_INVALID. */
  load(): Promise<Record<string, EnrolledDevice>>;
  /** Adds a device; false (and nothing written) if the name is already enrolled: remove it first. */
  add(device: EnrolledDevice & { name: string }): Promise<boolean>;
  /** Forgets a device and so its credential; false if it was not enrolled. */
  remove(name: string): Promise<boolean>;
}

/**
 * `enrolled.json`, mode 0600 because it holds live credentials. Changes are serialized in
 * the process and locked across processes (the hub enrolls while `devices remove` edits).
 */
export function createEnrolledStore(path: string): EnrolledStore {
  const serialize = createSerializer();
  const load = async () => (await readJsonState(EnrolledFileSchema, path))?.devices ?? {};
  const update = <T>(fn: (devices: Record<string, EnrolledDevice>) => Promise<T>) =>
    serialize(() => withFileLock(path, async () => fn(await load())));
  const save = (devices: Record<string, EnrolledDevice>) => writeJsonAtomic(path, { version: 1, devices });

  return {
    path,
    load,
    async add({ name, ...device }) {
      const checkedName = DeviceName.safeParse(name);
      if (!checkedName.success) {
        throw new FleetError('USAGE', checkedName.error.issues[0]?.message ?? 'invalid device name', {
          name,
        });
      }
      const checked = EnrolledDeviceSchema.safeParse(device);
      if (!checked.success) {
        const issue = checked.error.issues[0];
        throw new FleetError('USAGE', `${issue?.path.join('.')}: ${issue?.message}`, { name });
      }
      return update(async (devices) => {
        if (Object.hasOwn(devices, name)) return false;
        await save({ ...devices, [name]: checked.data });
        return true;
      });
    },
    remove(name) {
      return update(async (devices) => {
        if (!Object.hasOwn(devices, name)) return false;
        const { [name]: _removed, ...rest } = devices;
        await save(rest);
        return true;
      });
    },
  };
}
