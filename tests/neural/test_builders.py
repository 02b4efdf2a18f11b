import pytest

from skcosmo21.neural import build_autoencoder, build_conv_network, build_dense_network


def test_study_autoencoder_layer_for_layer():
    autoencoder, encoder, decoder = build_autoencoder((200, 200, 1))
    trainable = sum(
        int(
            w.shape.num_elements()
            if hasattr(w.shape, "num_elements")
            else __import__("numpy").prod(w.shape)
        )
        for w in autoencoder.trainable_weights
    )
    assert trainable == 4385
    assert tuple(encoder.output.shape) == (None, 25, 25, 8)  # 40,000 -> 5,000 values
    assert tuple(decoder.output.shape) == (None, 200, 200, 1)
    convs = [layer for layer in encoder.layers if layer.__class__.__name__ == "Conv2D"]
    assert [c.filters for c in convs] == [16, 8, 8]
    assert all(c.kernel_size == (3, 3) and c.padding == "same" for c in convs)


def test_autoencoder_crops_indivisible_sizes_back():
    autoencoder, encoder, decoder = build_autoencoder((50, 50, 1))
    assert tuple(encoder.output.shape) == (None, 7, 7, 8)  # 50 -> 25 -> 13 -> 7
    assert tuple(autoencoder.output.shape) == (None, 50, 50, 1)
    assert tuple(decoder.output.shape) == (None, 50, 50, 1)
    signal, _, _ = build_autoencoder((13, 1), (4, 4), (4, 4))
    assert tuple(signal.output.shape) == (None, 13, 1)


def test_study_dense_network():
    model = build_dense_network((50, 50), heads=[(17, "softmax")])
    assert model.count_params() == 2500 * 350 + 350 + 350 * 17 + 17


def test_conv_network_heads_and_pooling_choice():
    model = build_conv_network((16, 16, 1), heads=[(3, "softmax"), (1, None)], filters=(4, 8))
    assert [tuple(o.shape) for o in model.outputs] == [(None, 3), (None, 1)]
    with pytest.raises(ValueError, match="pooling"):
        build_conv_network((16, 16, 1), heads=[(2, "softmax")], pooling="median")


def _count(model, name):
    return sum(type(layer).__name__ == name for layer in model.layers)


def test_conv_network_capacity_options():
    plain = build_conv_network((16, 16, 1), heads=[(2, "softmax")], filters=(4, 8))
    assert _count(plain, "Conv2D") == 2
    assert _count(plain, "BatchNormalization") == _count(plain, "Add") == 0
    deep = build_conv_network(
        (16, 16, 1),
        heads=[(2, "softmax")],
        filters=(4, 8),
        convs_per_block=3,
        batch_norm=True,
        residual=True,
    )
    # 3 convolutions per block, plus a 1x1 projection wherever the channels change (1->4, 4->8).
    assert _count(deep, "Conv2D") == 2 * 3 + 2
    assert _count(deep, "BatchNormalization") == 2 * 3
    assert _count(deep, "Add") == 2
    same = build_conv_network((16, 16, 4), heads=[(2, "softmax")], filters=(4,), residual=True)
    assert _count(same, "Add") == 1
    assert _count(same, "Conv2D") == 1  # identity shortcut
    periodic = build_conv_network(
        (16, 16, 1), heads=[(2, "softmax")], filters=(4, 8), padding="periodic"
    )
    assert _count(periodic, "PeriodicPadding") == 2
    assert all(
        layer.padding == "valid" for layer in periodic.layers if type(layer).__name__ == "Conv2D"
    )


def test_conv_network_on_signals_uses_one_dimensional_layers():
    model = build_conv_network((32, 1), heads=[(1, None)], filters=(4, 8), residual=True)
    assert _count(model, "Conv1D") >= 2
    assert _count(model, "Conv2D") == 0
    assert tuple(model.outputs[0].shape) == (None, 1)
    with pytest.raises(ValueError, match="input_shape"):
        build_conv_network((4, 4, 4, 1), heads=[(1, None)])
    with pytest.raises(ValueError, match="padding"):
        build_conv_network((16, 1), heads=[(1, None)], padding="wrap")
