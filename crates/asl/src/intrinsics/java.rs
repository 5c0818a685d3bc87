//! Java behaviours AWS's intrinsics show: `java.util.Random` (seeded `States.MathRandom`) and
//! the iteration order of a `java.util.HashSet` holding JSON values as Java objects
//! (`States.ArrayUnique`). Both are inferences checked against outcomes recorded on AWS.

use serde_json::{Number, Value};

/// `java.util.Random`: the 48-bit linear congruential generator and `nextInt(bound)`.
pub(super) struct JavaRandom {
    seed: u64,
}

const MULTIPLIER: u64 = 0x5_DEEC_E66D;
const ADDEND: u64 = 0xB;
const MASK: u64 = (1 << 48) - 1;

impl JavaRandom {
    /// `new Random(seed)`.
    pub(super) fn new(seed: i64) -> Self {
        Self {
            seed: (u64::from_ne_bytes(seed.to_ne_bytes()) ^ MULTIPLIER) & MASK,
        }
    }

    /// `next(bits)` for `bits <= 31` (the result is non-negative).
    fn next(&mut self, bits: u32) -> i32 {
        self.seed = self.seed.wrapping_mul(MULTIPLIER).wrapping_add(ADDEND) & MASK;
        i32::try_from(self.seed >> (48 - bits)).unwrap_or(0)
    }

    /// `nextInt(bound)` for a positive `bound`: uniform in `[0, bound)`.
    pub(super) fn next_int(&mut self, bound: i32) -> i32 {
        let mut r = self.next(31);
        let m = bound.wrapping_sub(1);
        if bound & m == 0 {
            // A power of two: the high bits.
            return i32::try_from((i64::from(bound) * i64::from(r)) >> 31).unwrap_or(0);
        }
        let mut u = r;
        loop {
            r = u % bound;
            // Java rejects the draw when `u - r + m` overflows an int.
            if u.wrapping_sub(r).wrapping_add(m) >= 0 {
                return r;
            }
            u = self.next(31);
        }
    }
}

/// Java `String.hashCode` (over UTF-16 code units).
fn string_hash(text: &str) -> i32 {
    text.encode_utf16().fold(0i32, |h, unit| {
        h.wrapping_mul(31).wrapping_add(i32::from(unit))
    })
}

/// `Long.hashCode`.
fn long_hash(value: i64) -> i32 {
    let bits = u64::from_ne_bytes(value.to_ne_bytes());
    i32::from_ne_bytes(((bits ^ (bits >> 32)) as u32).to_ne_bytes())
}

/// A JSON number as Jackson maps it to a Java object: `Integer` when it fits an int, else
/// `Long`, else `BigInteger` (integers) or `Double` (anything with a fraction or exponent).
#[derive(PartialEq)]
enum JavaNumber {
    Int(i64),
    Big(u64),
    Double(u64),
}

fn java_number(n: &Number) -> JavaNumber {
    if let Some(i) = n.as_i64() {
        JavaNumber::Int(i)
    } else if let Some(u) = n.as_u64() {
        JavaNumber::Big(u)
    } else {
        JavaNumber::Double(n.as_f64().unwrap_or(0.0).to_bits())
    }
}

fn number_hash(n: &Number) -> i32 {
    match java_number(n) {
        JavaNumber::Int(i) => i32::try_from(i).unwrap_or_else(|_| long_hash(i)),
        // BigInteger.hashCode over its 32-bit magnitude words (positive: signum 1).
        JavaNumber::Big(u) => {
            let high = i32::from_ne_bytes(((u >> 32) as u32).to_ne_bytes());
            let low = i32::from_ne_bytes((u as u32).to_ne_bytes());
            high.wrapping_mul(31).wrapping_add(low)
        }
        // Double.hashCode: the bits folded like a long.
        JavaNumber::Double(bits) => long_hash(i64::from_ne_bytes(bits.to_ne_bytes())),
    }
}

/// `hashCode()` of the Java object Jackson makes of `value` (`null` hashes to 0 in a map).
fn java_hash(value: &Value) -> i32 {
    match value {
        Value::Null => 0,
        Value::Bool(true) => 1231,
        Value::Bool(false) => 1237,
        Value::Number(n) => number_hash(n),
        Value::String(s) => string_hash(s),
        // List.hashCode.
        Value::Array(items) => items.iter().fold(1i32, |h, item| {
            h.wrapping_mul(31).wrapping_add(java_hash(item))
        }),
        // Map.hashCode: the sum of key.hashCode() ^ value.hashCode().
        Value::Object(map) => map.iter().fold(0i32, |h, (key, item)| {
            h.wrapping_add(string_hash(key) ^ java_hash(item))
        }),
    }
}

/// `equals()` of the Java objects: maps ignore key order, numbers must be of the same Java type.
fn java_equals(a: &Value, b: &Value) -> bool {
    let mut stack = vec![(a, b)];
    while let Some((x, y)) = stack.pop() {
        match (x, y) {
            (Value::Number(m), Value::Number(n)) => {
                if java_number(m) != java_number(n) {
                    return false;
                }
            }
            (Value::Array(xs), Value::Array(ys)) => {
                if xs.len() != ys.len() {
                    return false;
                }
                stack.extend(xs.iter().zip(ys.iter()));
            }
            (Value::Object(xm), Value::Object(ym)) => {
                if xm.len() != ym.len() {
                    return false;
                }
                for (key, xv) in xm {
                    match ym.get(key) {
                        Some(yv) => stack.push((xv, yv)),
                        None => return false,
                    }
                }
            }
            _ => {
                if x != y {
                    return false;
                }
            }
        }
    }
    true
}

/// The distinct items of `items` in the iteration order of a `java.util.HashSet` they were
/// added to in order (first occurrence kept): AWS returns `[false, true]` for
/// `[true, false, true, false]` and `[[2, 1], [1, 2]]` for `[[1, 2], [1, 2], [2, 1]]`.
///
/// The set is emulated as `HashMap` does it: 16 buckets, load factor 0.75, doubling splits
/// that keep order, and a resize instead of treeifying a long bucket while the table has fewer
/// than 64 buckets. Not emulated: tree bins (9 or more items in one bucket of a table of 64 or
/// more), where Java moves the tree's root to the front of the bucket; such buckets keep
/// insertion order here.
pub(super) fn hash_set_order(items: &[Value]) -> Vec<Value> {
    const TREEIFY_THRESHOLD: usize = 8;
    const MIN_TREEIFY_CAPACITY: usize = 64;
    let mut table: Vec<Vec<(u32, &Value)>> = vec![Vec::new(); 16];
    let mut size = 0usize;
    let resize = |table: &mut Vec<Vec<(u32, &Value)>>| {
        let old = table.len();
        let mut grown: Vec<Vec<(u32, &Value)>> = vec![Vec::new(); old * 2];
        for (index, bucket) in table.drain(..).enumerate() {
            for entry in bucket {
                let target = if entry.0 as usize & old == 0 {
                    index
                } else {
                    index + old
                };
                if let Some(slot) = grown.get_mut(target) {
                    slot.push(entry);
                }
            }
        }
        *table = grown;
    };
    for item in items {
        let h = u32::from_ne_bytes(java_hash(item).to_ne_bytes());
        let hash = h ^ (h >> 16);
        let index = hash as usize & (table.len() - 1);
        let Some(bucket) = table.get_mut(index) else {
            continue;
        };
        if bucket
            .iter()
            .any(|(other, value)| *other == hash && java_equals(value, item))
        {
            continue;
        }
        bucket.push((hash, item));
        if bucket.len() > TREEIFY_THRESHOLD && table.len() < MIN_TREEIFY_CAPACITY {
            resize(&mut table);
        }
        size += 1;
        if size > table.len() * 3 / 4 {
            resize(&mut table);
        }
    }
    table
        .into_iter()
        .flatten()
        .map(|(_, value)| value.clone())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    /// Values printed by `new java.util.Random(seed).nextInt(bound)` on a JVM.
    #[test]
    fn java_random_matches_the_jdk() {
        let cases: [(i64, i32, i32); 12] = [
            (123_456_789, 1_000_000, 10_965),
            (-1, i32::MAX, 577_549_913),
            (7, 1 << 30, 784_582_118),
            (42, 99, 62),
            (1, 999, 105),
            (2, 999, 805),
            (-10, 9, 0),
            (0, 9, 6),
            (42, 4, 2),
            (1, 7, 4),
            (42, 9, 8),
            (42, 10, 0),
        ];
        for (seed, bound, expected) in cases {
            assert_eq!(
                JavaRandom::new(seed).next_int(bound),
                expected,
                "seed {seed} bound {bound}"
            );
        }
    }

    #[test]
    fn hash_set_order_matches_recorded_outcomes() {
        let cases = [
            (json!([true, false, true, false]), json!([false, true])),
            (json!([[1, 2], [1, 2], [2, 1]]), json!([[2, 1], [1, 2]])),
            (json!([null, null, 1, null]), json!([null, 1])),
            (json!([1, "1", 1, "01"]), json!([1, "1", "01"])),
            (json!(["a", "b", "a", "c", "b"]), json!(["a", "b", "c"])),
            (
                json!([{"a": 1, "b": 2}, {"b": 2, "a": 1}]),
                json!([{"a": 1, "b": 2}]),
            ),
            (json!([1, 1.0]), json!([1.0, 1])),
        ];
        for (input, expected) in cases {
            let items = input.as_array().cloned().unwrap_or_default();
            assert_eq!(Value::Array(hash_set_order(&items)), expected, "{input}");
        }
        // Growing past 12 entries resizes the table; order is by bucket, then insertion.
        let many: Vec<Value> = (0..40).rev().map(Value::from).collect();
        let sorted: Vec<Value> = (0..40).map(Value::from).collect();
        assert_eq!(hash_set_order(&many), sorted);
        // Long buckets resize a small table instead of becoming tree bins (orders printed by
        // a JVM's HashSet).
        let mut colliding: Vec<Value> = (0..12).rev().map(|i| Value::from(i * 16)).collect();
        colliding.push(json!("x"));
        assert_eq!(
            Value::Array(hash_set_order(&colliding)),
            json!([160, 128, 96, 64, 32, 0, 176, 144, 112, 80, 48, 16, "x"])
        );
        let mut colliding: Vec<Value> = (0..12).rev().map(|i| Value::from(i * 32)).collect();
        colliding.push(json!(1.5));
        assert_eq!(
            Value::Array(hash_set_order(&colliding)),
            json!([320, 256, 192, 128, 64, 0, 352, 288, 224, 160, 96, 32, 1.5])
        );
        let spread: Vec<Value> = (0..100)
            .map(|i| Value::from((i * 7919) % 1000 - 500))
            .collect();
        assert_eq!(
            Value::Array(hash_set_order(&spread)),
            json!([
                257, 260, -8, 263, -11, 14, 17, -276, 20, -279, -282, 285, 288, -33, -36, 291, -39,
                42, 45, -304, 48, -307, -310, 313, 316, -61, -64, -67, 70, 73, -332, -335, 338,
                341, -89, 344, -92, 95, 98, -357, 101, -360, -363, 366, 369, -114, -117, 372, -120,
                123, 126, -385, 129, -388, -391, 394, 397, -142, -145, -148, 151, 154, -413, -416,
                419, 422, -170, 425, -173, 176, 179, -438, 182, -441, -444, 447, 450, -195, -198,
                453, -201, 204, 207, -466, 210, -469, -472, 475, 478, -223, -226, 481, -229, 232,
                235, -494, -497, -500, -251, -254
            ])
        );
    }
}
