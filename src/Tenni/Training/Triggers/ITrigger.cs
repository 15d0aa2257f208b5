namespace Tenni.Training;

/// <summary>Chainer's trigger: asked after every iteration whether its extension (or training's end) is due.</summary>
public interface ITrigger
{
    bool Fires(Trainer trainer);
}
