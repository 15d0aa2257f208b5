using System.Collections.Concurrent;

namespace Tenni.IO;

/// <summary>
/// Reuses float arrays of one exact length (a preprocessed batch, an image row), at most
/// <paramref name="capacity"/> of them kept. Why not <c>ArrayPool.Shared</c>: it rounds a 19 MB batch up
/// to 33 MB and keeps arrays per core for the life of the process; these buffers die with their owner.
/// Without reuse, every batch is a new large-object-heap array that stays until a full collection.
/// </summary>
internal sealed class BufferPool(int length, int capacity)
{
    private readonly ConcurrentBag<float[]> _free = [];

    public float[] Rent() => _free.TryTake(out var buffer) ? buffer : new float[length];

    public void Return(float[] buffer)
    {
        if (buffer.Length == length && _free.Count < capacity)
        {
            _free.Add(buffer);
        }
    }
}
