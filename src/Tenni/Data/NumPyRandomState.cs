namespace Tenni.Data;

/// <summary>
/// NumPy's legacy <c>numpy.random.RandomState(seed)</c>, as far as Chainer's
/// <c>split_dataset_random(dataset, first_size, seed)</c> uses it: the MT19937 generator seeded by
/// <c>init_genrand(seed)</c> (Matsumoto and Nishimura's reference seeding), and <c>permutation(n)</c>,
/// a Fisher–Yates shuffle of 0 … n−1 from the last element down whose index j ∈ [0, i] is drawn by
/// masked rejection (NumPy's <c>random_interval</c>: 32-bit draws ANDed with the smallest all-ones mask
/// covering i, redrawn while above i). Bit for bit the same permutation as NumPy; checked against
/// permutations NumPy computed, stored as test data.
/// </summary>
internal sealed class NumPyRandomState
{
    private const int N = 624;
    private const int M = 397;
    private readonly uint[] _state = new uint[N];
    private int _index;

    public NumPyRandomState(uint seed)
    {
        _state[0] = seed;
        for (int i = 1; i < N; i++)
        {
            _state[i] = (1812433253u * (_state[i - 1] ^ (_state[i - 1] >> 30))) + (uint)i;
        }

        _index = N;
    }

    /// <summary>The next 32-bit output of MT19937 (tempered).</summary>
    public uint NextUInt32()
    {
        if (_index >= N)
        {
            Twist();
        }

        uint y = _state[_index++];
        y ^= y >> 11;
        y ^= (y << 7) & 0x9d2c5680u;
        y ^= (y << 15) & 0xefc60000u;
        y ^= y >> 18;
        return y;
    }

    /// <summary><c>RandomState.permutation(n)</c>.</summary>
    public int[] Permutation(int n)
    {
        int[] order = Enumerable.Range(0, n).ToArray();
        for (int i = n - 1; i >= 1; i--)
        {
            int j = (int)Interval((uint)i);
            (order[i], order[j]) = (order[j], order[i]);
        }

        return order;
    }

    // NumPy's random_interval for max < 2^32: uniform on [0, max] by masked rejection.
    private uint Interval(uint max)
    {
        uint mask = max;
        mask |= mask >> 1;
        mask |= mask >> 2;
        mask |= mask >> 4;
        mask |= mask >> 8;
        mask |= mask >> 16;
        uint value;
        while ((value = NextUInt32() & mask) > max)
        {
        }

        return value;
    }

    private void Twist()
    {
        for (int i = 0; i < N; i++)
        {
            uint y = (_state[i] & 0x80000000u) | (_state[(i + 1) % N] & 0x7fffffffu);
            _state[i] = _state[(i + M) % N] ^ (y >> 1) ^ ((y & 1) == 0 ? 0 : 0x9908b0dfu);
        }

        _index = 0;
    }
}
