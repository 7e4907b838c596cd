// One plausible message of each kind of protocols/telemetry.yaml, with values
// at the edges of their fields (the most negative s24, a u48 past 2^32, a
// negative s48, a string beyond ASCII), for the codec and dissector tests.
import type { StructValue } from '../values.ts';

export const TELEMETRY_EXAMPLES: Record<string, StructValue> = {
  get_info: {},
  info: {
    firmware: { major: 2, minor: 7, patch: 513 },
    serial: 0xa1b2c3d4e5,
    model: 'TS-4 sensor hub',
    channels: 4,
    calibrated: true,
    driver: 'kucomms_telemetry 1.3.0',
  },
  configure: {
    channel: 2,
    sensor: 'accelerometer',
    options: 0b1011, // enabled | interrupt | alarm
    control: { power: 1, range: 'g8', oversampling: 3, filter: 5 },
    period_us: 10_000,
    alarm_above: 85.5,
    label: 'left arm',
  },
  configured: { result: 'ok', channel: 2, period_us: 9_984 },
  sample: {
    sequence: 41,
    channel: 2,
    status: 0b101, // saturated | uncalibrated
    taken_us: 2 ** 40 + 12_345,
    clock_offset_ns: -1_234_567_890_123,
    acceleration: { x: -(2 ** 23), y: 4_096, z: 2 ** 23 - 1 },
    temperature: 36.75,
    aux_mv: [0, 3_300, 1_650, 65_535],
  },
  event: { severity: 'warning', channel: 255, code: 0x0102, text: 'left arm: 86.25 °C is above 85.5 °C' },
};
