namespace MlNetConv.Neighbours;

/// <summary>
/// How far a squared distance taken through the matrix product, ‖q̂‖² + ‖x̂‖² − 2 q̂·x̂ over vectors centred on the
/// index's mean (q̂ = q − μ, x̂ = x − μ), can lie from the one computed directly, Σ (qᵢ − xᵢ)² in float: at most
/// <c>Coefficient · (‖q̂‖ + ‖x̂‖)² + Floor</c>. The search computes directly every vector whose expanded distance minus
/// this bound does not exceed the k-th best direct distance found so far; any other vector is provably farther, so the
/// result is the k nearest by direct distance, whatever the product's rounding.
/// </summary>
/// <remarks>
/// With u = 2⁻²⁴ (float's unit roundoff), d the dimension and T = ‖q̂‖ + ‖x̂‖, the rounding errors add up to:
/// centring each value, 2u·T² (each coordinate moves by at most u(|q̂ᵢ| + |x̂ᵢ|)); the product's d + 1 accumulations from
/// ‖x̂‖² on, (d + 1)u·T² in any summation order (‖x̂‖² + 2|q̂·x̂| ≤ T²); rounding ‖x̂‖², ‖q̂‖² and their sum, 3u·T²; the
/// direct sum of d rounded squares of rounded differences, (d + 3)u·T² (‖q − x‖ ≤ T). That is (2d + 9)u·T² to first
/// order; the coefficient doubles it to cover the second-order terms and the rounding of the bound's own arithmetic. A
/// product that rounds its inputs (TF32 tensor cores keep 10 of the 23 mantissa bits) adds 2r·T² for relative input
/// rounding r. The floor covers underflow: no operation on values below float's smallest normal errs by more than it.
/// </remarks>
internal readonly record struct ExpansionBound(float Coefficient, float Floor)
{
    private const double UnitRoundoff = 1.0 / (1 << 24);
    private const double SmallestNormal = 1.1754943508222875e-38; // 2⁻¹²⁶

    /// <param name="dimension">d, the values per vector</param>
    /// <param name="productInputRounding">the relative rounding the backend's matrix product applies to its inputs (0 for float)</param>
    public static ExpansionBound For(int dimension, double productInputRounding)
    {
        double terms = 2.0 * (2.0 * dimension + 9);
        return new((float)(terms * UnitRoundoff + 2 * productInputRounding), (float)(terms * SmallestNormal));
    }

    /// <summary>The most the expanded squared distance of vectors with centred norms <paramref name="queryNorm"/> and <paramref name="vectorNorm"/> errs by.</summary>
    public float Of(float queryNorm, float vectorNorm)
    {
        float t = queryNorm + vectorNorm;
        return Coefficient * t * t + Floor;
    }
}
