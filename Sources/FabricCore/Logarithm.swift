/// Logarithms for the pure modules, which import nothing but FabricCore (no Foundation, no
/// Glibc: DESIGN.md §2). One implementation, shared by SWIM's suspicion timeouts, the downing
/// window's scaling and the phi-accrual detector; checked against the C library in
/// HealthCoreTests to about 1e-13.
package enum Logarithm {
    /// ln x for x > 0; -infinity at 0, NaN below, x itself for +infinity.
    package static func natural(_ x: Double) -> Double {
        if x.isNaN || x < 0 { return .nan }
        if x == 0 { return -.infinity }
        if x.isInfinite { return x }
        // x = m·2^e with m in [√½, √2), then ln m = 2·atanh((m-1)/(m+1)), a series in z² ≤ 0.03.
        var m = x.significand
        var e = Int(x.exponent)
        if m > 1.414_213_562_373_095 {
            m /= 2
            e += 1
        }
        let z = (m - 1) / (m + 1)
        let z2 = z * z
        var power = z
        var sum = 0.0
        for n in stride(from: 1, through: 31, by: 2) {
            sum += power / Double(n)
            power *= z2
        }
        return 2 * sum + Double(e) * 0.693_147_180_559_945_309_417
    }

    /// log10 x, with the same edge cases as `natural`.
    package static func base10(_ x: Double) -> Double { natural(x) / 2.302_585_092_994_045_684_018 }
}
