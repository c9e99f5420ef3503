//! Element decoding: stored bytes of any supported type to `f32` values or `i64` labels.

use super::header::ElementType;

/// Byte order of stored elements: npy and safetensors are little-endian, IDX big-endian.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum ByteOrder {
    Little,
    Big,
}

/// Appends the elements of `bytes` (of type `dtype`, in `order`) to `out` as `f32`. Integers
/// beyond 2^24 and `float64` values round to the nearest `f32`.
pub(crate) fn decode_values(
    dtype: ElementType,
    order: ByteOrder,
    bytes: &[u8],
    out: &mut Vec<f32>,
) {
    use ElementType::*;
    out.reserve(bytes.len() / dtype.size());
    match dtype {
        U8 => out.extend(bytes.iter().map(|&b| f32::from(b))),
        I8 => out.extend(bytes.iter().map(|&b| f32::from(b as i8))),
        F16 => out.extend(words::<2>(bytes, order).map(|w| f16_to_f32(u16::from_le_bytes(w)))),
        BF16 => out.extend(
            words::<2>(bytes, order)
                .map(|w| f32::from_bits(u32::from(u16::from_le_bytes(w)) << 16)),
        ),
        F32 => out.extend(words::<4>(bytes, order).map(f32::from_le_bytes)),
        F64 => out.extend(words::<8>(bytes, order).map(|w| f64::from_le_bytes(w) as f32)),
        U16 => out.extend(words::<2>(bytes, order).map(|w| f32::from(u16::from_le_bytes(w)))),
        I16 => out.extend(words::<2>(bytes, order).map(|w| f32::from(i16::from_le_bytes(w)))),
        U32 => out.extend(words::<4>(bytes, order).map(|w| u32::from_le_bytes(w) as f32)),
        I32 => out.extend(words::<4>(bytes, order).map(|w| i32::from_le_bytes(w) as f32)),
        U64 => out.extend(words::<8>(bytes, order).map(|w| u64::from_le_bytes(w) as f32)),
        I64 => out.extend(words::<8>(bytes, order).map(|w| i64::from_le_bytes(w) as f32)),
    }
}

/// Appends the integer elements of `bytes` to `out`. `uint64` values beyond `i64::MAX` become
/// `i64::MAX` (no class index is that large). Float types append nothing: the caller refuses
/// them before reading.
pub(crate) fn decode_integers(
    dtype: ElementType,
    order: ByteOrder,
    bytes: &[u8],
    out: &mut Vec<i64>,
) {
    use ElementType::*;
    match dtype {
        U8 => out.extend(bytes.iter().map(|&b| i64::from(b))),
        I8 => out.extend(bytes.iter().map(|&b| i64::from(b as i8))),
        U16 => out.extend(words::<2>(bytes, order).map(|w| i64::from(u16::from_le_bytes(w)))),
        I16 => out.extend(words::<2>(bytes, order).map(|w| i64::from(i16::from_le_bytes(w)))),
        U32 => out.extend(words::<4>(bytes, order).map(|w| i64::from(u32::from_le_bytes(w)))),
        I32 => out.extend(words::<4>(bytes, order).map(|w| i64::from(i32::from_le_bytes(w)))),
        U64 => out.extend(
            words::<8>(bytes, order)
                .map(|w| i64::try_from(u64::from_le_bytes(w)).unwrap_or(i64::MAX)),
        ),
        I64 => out.extend(words::<8>(bytes, order).map(i64::from_le_bytes)),
        F16 | BF16 | F32 | F64 => {}
    }
}

/// The `N`-byte words of `bytes`, each turned little-endian.
fn words<const N: usize>(bytes: &[u8], order: ByteOrder) -> impl Iterator<Item = [u8; N]> + '_ {
    bytes.chunks_exact(N).map(move |chunk| {
        let mut word = [0u8; N];
        word.copy_from_slice(chunk);
        if order == ByteOrder::Big {
            word.reverse();
        }
        word
    })
}

/// An IEEE 754 half-precision value as `f32` (exact: every `f16` is an `f32`).
fn f16_to_f32(bits: u16) -> f32 {
    let sign = u32::from(bits >> 15) << 31;
    let exponent = u32::from((bits >> 10) & 0x1f);
    let mantissa = u32::from(bits & 0x3ff);
    let magnitude = match (exponent, mantissa) {
        (0, 0) => 0,
        // Subnormal: mantissa × 2^-24, exact in f32.
        (0, m) => (m as f32 * f32::powi(2.0, -24)).to_bits(),
        (0x1f, 0) => 0x7f80_0000,
        (0x1f, m) => 0x7fc0_0000 | (m << 13),
        (e, m) => ((e + 127 - 15) << 23) | (m << 13),
    };
    f32::from_bits(sign | magnitude)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decodes_half_precision_values() {
        let cases: [(u16, f32); 8] = [
            (0x0000, 0.0),
            (0x3c00, 1.0),
            (0xc000, -2.0),
            (0x3555, 0.333_251_95),
            (0x7bff, 65504.0),
            (0x0001, 5.960_464_5e-8),
            (0x0400, 6.103_515_6e-5),
            (0xfc00, f32::NEG_INFINITY),
        ];
        for (bits, value) in cases {
            assert_eq!(f16_to_f32(bits), value, "{bits:#06x}");
        }
        assert!(f16_to_f32(0x7e00).is_nan());
    }

    #[test]
    fn decodes_every_type_in_both_byte_orders() {
        let mut out = Vec::new();
        decode_values(
            ElementType::F32,
            ByteOrder::Little,
            &1.5f32.to_le_bytes(),
            &mut out,
        );
        decode_values(
            ElementType::F32,
            ByteOrder::Big,
            &1.5f32.to_be_bytes(),
            &mut out,
        );
        decode_values(
            ElementType::I16,
            ByteOrder::Big,
            &(-300i16).to_be_bytes(),
            &mut out,
        );
        decode_values(
            ElementType::F64,
            ByteOrder::Little,
            &0.25f64.to_le_bytes(),
            &mut out,
        );
        decode_values(
            ElementType::BF16,
            ByteOrder::Little,
            &[0x80, 0x3f],
            &mut out,
        );
        decode_values(ElementType::I8, ByteOrder::Little, &[0xff], &mut out);
        decode_values(ElementType::U8, ByteOrder::Little, &[200], &mut out);
        assert_eq!(out, [1.5, 1.5, -300.0, 0.25, 1.0, -1.0, 200.0]);

        let mut labels = Vec::new();
        decode_integers(
            ElementType::I64,
            ByteOrder::Little,
            &7i64.to_le_bytes(),
            &mut labels,
        );
        decode_integers(
            ElementType::I32,
            ByteOrder::Big,
            &(-1i32).to_be_bytes(),
            &mut labels,
        );
        decode_integers(
            ElementType::U64,
            ByteOrder::Little,
            &u64::MAX.to_le_bytes(),
            &mut labels,
        );
        decode_integers(ElementType::U16, ByteOrder::Little, &[1, 1], &mut labels);
        assert_eq!(labels, [7, -1, i64::MAX, 257]);
    }
}
