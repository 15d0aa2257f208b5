using Tenni.Training;

namespace Tenni;

/// <summary>
/// What BatchNormalization layers outside the trained layers do during training, the switch users of
/// PyTorch, Keras and fastai trip over.
/// </summary>
public enum FrozenBatchNorm
{
    /// <summary>Default: frozen layers keep their running statistics and affine parameters (Keras's behaviour since 2.1.3 for frozen BN; exact caching stays valid).</summary>
    Frozen,

    /// <summary>Running statistics frozen, scale and shift trained (fastai's <c>train_bn=True</c>).</summary>
    AffineTrainable,

    /// <summary>Batch statistics during training and their running averages updated, affine trained (PyTorch's <c>model.train()</c> on a frozen backbone).</summary>
    Trainable,
}
