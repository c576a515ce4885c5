# scripts/golden_rng.py: the golden Gaussian values of core/src/rng.rs, recomputed outside Rust.
# Run: python3 scripts/golden_rng.py
# An independent transcription of core/src/rng.rs's module docs and core/src/math.rs's
# ln and sincos_turns in IEEE f32 (each operation in Python's f64, then rounded to f32:
# exact for +, -, *, / and sqrt of f32 operands, since 53 >= 2 * 24 + 2).
import struct, math
M64 = (1 << 64) - 1
def f(x): return struct.unpack('<f', struct.pack('<f', x))[0]
def bits(x): return struct.unpack('<I', struct.pack('<f', x))[0]
def frombits(b): return struct.unpack('<f', struct.pack('<I', b & 0xffffffff))[0]
def splitmix(s):
    z = (s + 0x9E3779B97F4A7C15) & M64
    z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & M64
    z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & M64
    return z ^ (z >> 31)
class R:
    def __init__(s, seed):
        s.x = splitmix(seed) or 0x9E3779B97F4A7C15
    def u64(s):
        x = s.x; x ^= x >> 12; x ^= (x << 25) & M64; x ^= x >> 27; s.x = x
        return (x * 0x2545F4914F6CDD1D) & M64
    def u32(s): return s.u64() >> 32
    def uniform(s): return f((s.u32() >> 8) * 2.0**-24)
def mul(a, b): return f(a * b)
def add(a, b): return f(a + b)
def sub(a, b): return f(a - b)
def ln(x):
    b = bits(x); e0 = ((b >> 23) & 0xff) - 127
    m0 = frombits((b & 0x7fffff) | 0x3f800000)
    big = m0 > f(2.0 * f(1 / math.sqrt(2)))
    m = mul(m0, 0.5) if big else m0
    e = f(e0 + 1 if big else e0)
    fr = sub(m, 1.0); z = mul(fr, fr)
    c = [f(v) for v in [7.0376836e-2, -1.1514611e-1, 1.1676999e-1, -1.2420141e-1, 1.4249323e-1,
                        -1.6668058e-1, 2.0000714e-1, -2.4999994e-1, 3.3333331e-1]]
    p = c[0]
    for k in c[1:]: p = add(mul(p, fr), k)
    y = sub(add(mul(mul(fr, z), p), mul(e, f(-2.1219444e-4))), mul(0.5, z))
    return add(add(fr, y), mul(e, f(0.6933594)))
def sincos_turns(t):
    R0 = 12582912.0
    t4 = mul(4.0, t); q = sub(add(t4, R0), R0)
    phi = mul(sub(t4, q), f(math.pi / 2)); z = mul(phi, phi)
    s = add(phi, mul(mul(phi, z), sub(mul(add(mul(f(-1.9515296e-4), z), f(8.332161e-3)), z), f(1.6666655e-1))))
    c = add(sub(1.0, mul(0.5, z)), mul(mul(z, z), add(mul(sub(mul(f(2.4433157e-5), z), f(1.3887316e-3)), z), f(4.1666646e-2))))
    return {0: (s, c), 1: (c, -s), 2: (-s, -c), 3: (-c, s)}[int(q) & 3]
r = R(13); out = []; spare = None
while len(out) < 3:
    if spare is not None: out.append(spare); spare = None; continue
    u1 = sub(1.0, r.uniform()); u2 = r.uniform()
    rad = f(math.sqrt(mul(-2.0, ln(u1))))
    s, c = sincos_turns(u2)
    out.append(mul(rad, c)); spare = mul(rad, s)
print([bits(v) for v in out], out)
