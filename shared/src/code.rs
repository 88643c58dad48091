//! Reward codes and referral codes, made from random bytes the caller gives.

/// A source of random bytes. The edge fills from `crypto.getRandomValues`;
/// tests use a seeded counter. The rules crate never draws randomness itself.
pub trait Entropy {
    fn fill(&mut self, bytes: &mut [u8]);
}

impl<F: FnMut(&mut [u8])> Entropy for F {
    fn fill(&mut self, bytes: &mut [u8]) {
        self(bytes)
    }
}

/// Crockford's base32 alphabet: no I, L, O or U, so codes read aloud well.
const ALPHABET: &[u8; 32] = b"0123456789ABCDEFGHJKMNPQRSTVWXYZ";

/// Encodes 5 bits per character, most significant first.
fn base32(bytes: &[u8], chars: usize) -> String {
    let mut out = String::with_capacity(chars);
    let mut buffer: u32 = 0;
    let mut bits = 0;
    for &byte in bytes {
        buffer = (buffer << 8) | u32::from(byte);
        bits += 8;
        while bits >= 5 && out.len() < chars {
            bits -= 5;
            out.push(char::from(ALPHABET[((buffer >> bits) & 31) as usize]));
        }
    }
    out
}

/// A reward code: 80 random bits as 16 characters in groups of four,
/// `K7QM-3ZD9-PX2A-W8RT`.
pub fn reward_code(entropy: &mut dyn Entropy) -> String {
    let mut bytes = [0u8; 10];
    entropy.fill(&mut bytes);
    let plain = base32(&bytes, 16);
    let mut grouped = String::with_capacity(19);
    for (i, c) in plain.chars().enumerate() {
        if i > 0 && i % 4 == 0 {
            grouped.push('-');
        }
        grouped.push(c);
    }
    grouped
}

/// A member's referral code: 50 random bits as 10 characters.
pub fn referral_code(entropy: &mut dyn Entropy) -> String {
    let mut bytes = [0u8; 7];
    entropy.fill(&mut bytes);
    base32(&bytes, 10)
}

/// An opaque id for a redemption: 80 random bits.
pub fn redemption_id(entropy: &mut dyn Entropy) -> String {
    let mut bytes = [0u8; 10];
    entropy.fill(&mut bytes);
    format!("rdm_{}", base32(&bytes, 16).to_ascii_lowercase())
}

/// A deterministic [`Entropy`] for tests and simulations: a counter run
/// through SplitMix64. Not for production codes.
#[derive(Clone, Debug)]
pub struct SeededEntropy(pub u64);

impl Entropy for SeededEntropy {
    fn fill(&mut self, bytes: &mut [u8]) {
        for chunk in bytes.chunks_mut(8) {
            self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
            let mut z = self.0;
            z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
            z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
            z ^= z >> 31;
            chunk.copy_from_slice(&z.to_le_bytes()[..chunk.len()]);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reward_codes_carry_80_bits_in_groups() {
        let mut all_ones = |b: &mut [u8]| b.fill(0xFF);
        assert_eq!(reward_code(&mut all_ones), "ZZZZ-ZZZZ-ZZZZ-ZZZZ");
        let mut zeros = |b: &mut [u8]| b.fill(0);
        assert_eq!(reward_code(&mut zeros), "0000-0000-0000-0000");
        // 0x08 = 00001000: the first five bits 00001 give "1", the next 000.. give "0".
        let mut first = |b: &mut [u8]| {
            b.fill(0);
            b[0] = 0x08;
        };
        assert_eq!(reward_code(&mut first), "1000-0000-0000-0000");
    }

    #[test]
    fn codes_are_identifiers() {
        let mut entropy = SeededEntropy(7);
        for _ in 0..100 {
            let code = reward_code(&mut entropy);
            assert!(crate::id::Id::parse(&code).is_ok());
            assert_eq!(referral_code(&mut entropy).len(), 10);
        }
    }
}
