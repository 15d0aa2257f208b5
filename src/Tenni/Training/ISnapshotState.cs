using System.Text.Json.Nodes;

namespace Tenni.Training;

/// <summary>
/// Chainer's <c>serialize</c>: a part of the trainer (updater, extension, trigger) that saves what it needs
/// to resume into a snapshot and restores it. The JSON goes into the snapshot's <c>state.json</c> under the
/// part's name; larger state (tensors) goes into files of its own in <c>folder</c>.
/// </summary>
public interface ISnapshotState
{
    JsonObject Save(string folder);

    /// <summary>Restores what <see cref="Save"/> wrote; a missing or malformed value is a <see cref="TenniException"/>.</summary>
    void Restore(JsonObject state, string folder);
}
