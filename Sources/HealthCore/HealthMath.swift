import FabricCore

/// The few elementary functions the detector needs, written out because a pure module may not
/// import Foundation or Glibc (DESIGN.md §2) and the standard library has no `exp` or `log`.
///
/// Accuracy is about 1e-15 relative over the ranges used here (checked against the C library in
/// `HealthMathTests`); the detector's results are thresholds on phi, so this is far more than
/// enough.
enum HealthMath {
    /// ln 2, split into a part exact in a few bits and the rest, for range reduction.
    static let ln2High = 0.693_147_180_369_123_816_490
    static let ln2Low = 1.908_214_929_270_587_700_02e-10
    /// ln 2 and ln 10.
    static let ln2 = 0.693_147_180_559_945_309_417
    static let ln10 = 2.302_585_092_994_045_684_018

    /// e^x. Returns +infinity past about 709.78 and 0 below about -745 (as the C library does);
    /// callers keep their arguments away from both.
    static func exponential(_ x: Double) -> Double {
        if x.isNaN { return x }
        if x > 709.78 { return .infinity }
        if x < -745.2 { return 0 }
        // x = k·ln2 + r with |r| ≤ ln2/2, so e^x = 2^k · e^r.
        let k = (x / ln2).rounded()
        let r = (x - k * ln2High) - k * ln2Low
        var term = 1.0
        var sum = 1.0
        for n in 1...17 {
            term *= r / Double(n)
            sum += term
        }
        return scaled(sum, byPowerOfTwo: Int(k))
    }

    /// `value` · 2^power, in two steps so that neither factor leaves the range of `Double`.
    static func scaled(_ value: Double, byPowerOfTwo power: Int) -> Double {
        let half = power / 2
        let first = Double(sign: .plus, exponent: half, significand: 1)
        let second = Double(sign: .plus, exponent: power - half, significand: 1)
        return value * first * second
    }

    /// ln x for x > 0; -infinity at 0, NaN below.
    static func naturalLogarithm(_ x: Double) -> Double { Logarithm.natural(x) }


    /// ln(1 + u) for u ≥ 0, accurate for small u too: 1 + u is rounded to w, and
    /// ln(w)·u/(w − 1) corrects for that rounding (Goldberg, "What every computer scientist
    /// should know about floating-point arithmetic", 1991, Theorem 4).
    static func logarithmOfOnePlus(_ u: Double) -> Double {
        let w = 1 + u
        if w == 1 { return u }
        return naturalLogarithm(w) * u / (w - 1)
    }

    /// ln(1 + e^z) (softplus), computed without overflow for large z and without losing
    /// everything for very negative z: max(z, 0) + ln(1 + e^-|z|).
    static func softplus(_ z: Double) -> Double {
        max(z, 0) + logarithmOfOnePlus(exponential(-abs(z)))
    }
}
