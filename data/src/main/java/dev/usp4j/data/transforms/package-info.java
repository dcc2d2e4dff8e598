/**
 * Image transforms that agree with torchvision on PIL images pixel for pixel (PIL 9's resampling in fixed point,
 * torchvision's rounding of sizes and offsets): {@link dev.usp4j.data.transforms.Resize},
 * {@link dev.usp4j.data.transforms.Pad}, {@link dev.usp4j.data.transforms.CenterCrop}, ADM's
 * {@link dev.usp4j.data.transforms.AdmCenterCrop}, {@link dev.usp4j.data.transforms.RandomResizedCrop},
 * {@link dev.usp4j.data.transforms.RandomHorizontalFlip} and {@link dev.usp4j.data.transforms.ConvertMode}. Random
 * transforms draw only from the generator they are handed, in the order each class documents.
 */
package dev.usp4j.data.transforms;
