/**
 * The value codec's type tags (see value.ts for the format). Shared by the few readers that walk
 * encoded bytes without decoding them (a call's argument list, a bulk insert's documents), so the
 * format is defined once.
 */
export const T_NULL = 0x00;
export const T_UNDEFINED = 0x01;
export const T_FALSE = 0x02;
export const T_TRUE = 0x03;
export const T_UINT = 0x04;
export const T_NINT = 0x05;
export const T_F64 = 0x06;
export const T_STR = 0x07;
export const T_WTF8 = 0x08;
export const T_BIGPOS = 0x09;
export const T_BIGNEG = 0x0a;
export const T_DATE = 0x0b;
export const T_BYTES = 0x0c;
export const T_OID = 0x0d;
export const T_ARRAY = 0x0e;
export const T_OBJECT = 0x0f;
export const T_HOLE = 0x10;
/** Tags from here up are small unsigned integers: `T_SMALL | n` for n < 128. */
export const T_SMALL = 0x80;
