/// Logarithms without Foundation, for bounds and figures (not for anything that must agree
/// between processes).
enum SWIMMath {
    /// ln x for a positive finite x (0 otherwise): x = m·2^e with m in [1, 2), and
    /// ln m = 2·atanh((m − 1)/(m + 1)) by its series.
    static func naturalLog(_ x: Double) -> Double {
        guard x > 0, x.isFinite else { return 0 }
        let m = x.significand
        let y = (m - 1) / (m + 1)
        var power = y, sum = 0.0, odd = 1.0
        while odd < 60 {
            sum += power / odd
            power *= y * y
            odd += 2
        }
        return Double(x.exponent) * 0.693_147_180_559_945_3 + 2 * sum
    }

    static func log10(_ x: Double) -> Double { naturalLog(x) / 2.302_585_092_994_045_7 }
    static func log2(_ x: Double) -> Double { naturalLog(x) / 0.693_147_180_559_945_3 }
}
