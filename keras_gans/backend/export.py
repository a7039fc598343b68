"""TensorFlow's LiteRT (TFLite) converter, for generator exports that Keras itself cannot convert (JAX)."""


def saved_model_to_litert(saved_model_dir, litert_path):
    """Converts a SavedModel directory into a LiteRT flatbuffer file, with the converter settings of Keras' own
    LiteRT export (built-in ops, TensorFlow ops where needed)."""
    import tensorflow as tf

    converter = tf.lite.TFLiteConverter.from_saved_model(str(saved_model_dir))
    converter.target_spec.supported_ops = [tf.lite.OpsSet.TFLITE_BUILTINS, tf.lite.OpsSet.SELECT_TF_OPS]
    with open(litert_path, "wb") as file:
        file.write(converter.convert())
