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


def test_autoencoder_refuses_indivisible_images():
    with pytest.raises(ValueError, match="divisible by 2\\*\\*3"):
        build_autoencoder((50, 50, 1))


def test_study_dense_network():
    model = build_dense_network((50, 50), heads=[(17, "softmax")])
    assert model.count_params() == 2500 * 350 + 350 + 350 * 17 + 17


def test_conv_network_heads_and_pooling_choice():
    model = build_conv_network((16, 16, 1), heads=[(3, "softmax"), (1, None)], filters=(4, 8))
    assert [tuple(o.shape) for o in model.outputs] == [(None, 3), (None, 1)]
    with pytest.raises(ValueError, match="pooling"):
        build_conv_network((16, 16, 1), heads=[(2, "softmax")], pooling="median")
