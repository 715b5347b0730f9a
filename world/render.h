// Renders a scene to an RGB image, anti-aliased by 4x4 supersampling. Pure function of the scene
// and the side length: the same scene always gives the same bytes.
#pragma once

#include "common/png_codec.h"
#include "world/scene.h"

namespace clipglass::world {

// A `side` x `side` image (side >= 8); the shape's nominal radius r is 0.20 (small) or 0.34 (large)
// of the side, times the scene's scale jitter. Every shape covers the same area (the equilateral
// triangle's of circumradius r) and reaches at most r from the centre.
RgbImage RenderScene(const Scene& scene, int side);

}  // namespace clipglass::world
